using System.Diagnostics;

/// <summary>
/// CPU time spent by this process and by the emulator and broker processes (found by name in /proc) over a window:
/// on two cores, where throughput is bound by CPU, this says which process the time went to.
/// </summary>
internal sealed class CpuMeter
{
    private readonly Dictionary<string, double> _start;
    private readonly (long Allocated, int Gen0, int Gen1, int Gen2, TimeSpan Paused) _gc;

    private CpuMeter(Dictionary<string, double> start)
    {
        _start = start;
        _gc = Gc();
    }

    public static CpuMeter Start() => new(Read());

    /// <summary>What this process's garbage collector did since <see cref="Start"/>: bytes allocated (per item when
    /// <paramref name="items"/> is given), collections by generation and the time the program was paused for them.</summary>
    public string GcReport(int items = 0)
    {
        var now = Gc();
        var allocated = now.Allocated - _gc.Allocated;
        var perItem = items > 0 ? $" ({allocated / (double)items / 1024:F1} KB each)" : "";
        return $"allocated {allocated / 1048576.0:N0} MB{perItem}; collections gen0 {now.Gen0 - _gc.Gen0}, gen1 {now.Gen1 - _gc.Gen1}, " +
               $"gen2 {now.Gen2 - _gc.Gen2}; paused {(now.Paused - _gc.Paused).TotalSeconds:F2} s";
    }

    private static (long Allocated, int Gen0, int Gen1, int Gen2, TimeSpan Paused) Gc() =>
        (GC.GetTotalAllocatedBytes(), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());

    /// <summary>CPU seconds each process used since <see cref="Start"/>.</summary>
    public string Report()
    {
        var now = Read();
        return string.Join(", ", now.Select(p => $"{p.Key} {p.Value - _start.GetValueOrDefault(p.Key):F1} s"));
    }

    /// <summary>CPU milliseconds each process used since <see cref="Start"/>, per one of <paramref name="requests"/>.</summary>
    public string PerRequest(int requests)
    {
        var now = Read();
        return string.Join(", ", now.Select(p => $"{p.Key} {(p.Value - _start.GetValueOrDefault(p.Key)) * 1000 / requests:F2} ms"));
    }

    private static Dictionary<string, double> Read()
    {
        var seconds = new Dictionary<string, double> { ["app (this process)"] = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds };
        var tick = 100.0; // USER_HZ on Linux
        foreach (var dir in Directory.Exists("/proc") ? Directory.GetDirectories("/proc") : [])
        {
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                var name = cmdline.Contains("azurite") && cmdline.Contains("inMemoryPersistence") ? "Azurite"
                    : cmdline.Contains("Campaigns.ServiceBusTestBroker.Runner") ? "Service Bus test broker" : null;
                if (name is null)
                    continue;
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var cpu = (double.Parse(fields[11]) + double.Parse(fields[12])) / tick; // utime, stime
                seconds[name] = seconds.GetValueOrDefault(name) + cpu;
            }
            catch (IOException)
            {
                // the process ended meanwhile
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return seconds;
    }
}
