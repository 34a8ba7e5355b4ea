using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Campaigns.Infra.Tests.Infrastructure;

/// <summary>One diagnostic of the Bicep compiler or linter: <c>path(line,column) : Warning rule-id: message</c>.</summary>
public sealed record BicepDiagnostic(string File, int Line, string Level, string Code, string Message)
{
    public override string ToString() => $"{Path.GetFileName(File)}({Line}) {Level} {Code}: {Message}";
}

/// <summary>The result of one run of the CLI: its exit code, what it printed, and the diagnostics in that.</summary>
public sealed record BicepRun(int ExitCode, string StandardOutput, string StandardError, IReadOnlyList<BicepDiagnostic> Diagnostics);

/// <summary>
/// The Bicep CLI from the NuGet package Azure.Bicep.CommandLine.linux-x64 (the test project's reference; its path is
/// written into this assembly at build time). Nothing is downloaded: the package is the only source of the CLI.
/// </summary>
public static partial class BicepCli
{
    private static readonly Lazy<string> Executable = new(FindExecutable);

    public static string Path => Executable.Value;

    /// <summary>
    /// Runs <c>bicep</c> with <paramref name="arguments"/> in <paramref name="workingDirectory"/>. Diagnostics are read
    /// from both streams (build prints them on stderr, lint on stdout), because the exit code is 0 with warnings.
    /// </summary>
    public static async Task<BicepRun> RunAsync(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Path}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep did not finish in time.");
        }
        var output = await stdout;
        var error = await stderr;
        return new BicepRun(process.ExitCode, output, error, [.. Parse(output), .. Parse(error)]);
    }

    /// <summary>The diagnostics in the CLI's default format, one a line.</summary>
    public static IEnumerable<BicepDiagnostic> Parse(string text) =>
        DiagnosticLine().Matches(text).Select(m => new BicepDiagnostic(
            m.Groups["file"].Value, int.Parse(m.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture),
            m.Groups["level"].Value, m.Groups["code"].Value, m.Groups["message"].Value.Trim()));

    [GeneratedRegex(@"^(?<file>.+?)\((?<line>\d+),(?<column>\d+)\) : (?<level>Error|Warning|Info) (?<code>[^:\s]+): (?<message>.*)$", RegexOptions.Multiline)]
    private static partial Regex DiagnosticLine();

    private static string FindExecutable()
    {
        var path = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == "BicepPath")?.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
            throw new InvalidOperationException($"The Bicep CLI is not at '{path}': restore tests/Infra.Tests (package Azure.Bicep.CommandLine.linux-x64).");
        // NuGet does not promise to keep a file's execute bit when it extracts a package.
        var mode = File.GetUnixFileMode(path);
        if ((mode & UnixFileMode.UserExecute) == 0)
            File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute);
        return path;
    }
}
