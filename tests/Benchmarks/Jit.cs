using System.Diagnostics;
using System.Runtime;

/// <summary>
/// What the JIT does in this process: a fresh process runs new code at tier 0 and compiles the hot part again at
/// tier 1 on a background thread, which takes a core for seconds on two. Benchmarks compare warm figures, so they
/// wait for the JIT to go quiet before the clock starts, and say what it compiled meanwhile.
/// </summary>
internal sealed class Jit(long methodsAtStart, TimeSpan timeAtStart)
{

    public static Jit Start() => new(JitInfo.GetCompiledMethodCount(), JitInfo.GetCompilationTime());

    /// <summary>Methods compiled since <see cref="Start"/>.</summary>
    public long Methods => JitInfo.GetCompiledMethodCount() - methodsAtStart;

    /// <summary>Methods compiled since <see cref="Start"/>, and the time spent compiling them.</summary>
    public string Report() =>
        $"{JitInfo.GetCompiledMethodCount() - methodsAtStart:N0} methods compiled in {(JitInfo.GetCompilationTime() - timeAtStart).TotalSeconds:F2} s";

    /// <summary>
    /// Waits until no method has been compiled for <see cref="QuietFor"/> (at most <see cref="QuietAtMost"/>), and
    /// returns how long that took.
    /// </summary>
    public static async Task<TimeSpan> QuietAsync()
    {
        var watch = Stopwatch.StartNew();
        var count = JitInfo.GetCompiledMethodCount();
        var since = watch.Elapsed;
        while (watch.Elapsed - since < QuietFor && watch.Elapsed < QuietAtMost)
        {
            await Task.Delay(100);
            var now = JitInfo.GetCompiledMethodCount();
            if (now != count)
            {
                count = now;
                since = watch.Elapsed;
            }
        }
        return watch.Elapsed;
    }

    private static readonly TimeSpan QuietFor = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan QuietAtMost = TimeSpan.FromSeconds(Sizes.Pick(20, 2)); // a smoke run does not wait for figures
}
