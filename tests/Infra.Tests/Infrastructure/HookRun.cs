using System.Diagnostics;

namespace Campaigns.Infra.Tests.Infrastructure;

/// <summary>
/// Runs infra/hooks/postdeploy.sh with <c>sh</c> (as azd does), against stand-ins for <c>az</c> and <c>curl</c> that
/// record each call and answer as the real tools would: no Azure, no network. <c>az functionapp keys list</c> prints the
/// key from the <paramref name="keyAfterCalls"/>-th call on (empty before, as while the app's host has not started).
/// </summary>
public sealed class HookRun : IDisposable
{
    /// <summary>What the hook reads; azd sets them from main.bicep's outputs of the same names.</summary>
    public static readonly IReadOnlyDictionary<string, string> DeploymentOutputs = new Dictionary<string, string>
    {
        ["AZURE_RESOURCE_GROUP"] = "rg-campaigns",
        ["AZURE_FUNCTION_APP_NAME"] = "func-campaigns-abc",
        ["AZURE_FUNCTION_APP_URL"] = "https://func-campaigns-abc.azurewebsites.net",
        ["UPLOADS_SYSTEM_TOPIC_NAME"] = "evgt-campaigns-abc",
        ["UPLOADS_CONTAINER_NAME"] = "uploads",
        ["UPLOAD_FUNCTION_NAME"] = "UploadSplit",
    };

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("campaigns-hook-");

    private string Log => Path.Combine(_dir.FullName, "calls.log");

    public int ExitCode { get; private set; }

    public string Output { get; private set; } = "";

    /// <summary>Each call of a stand-in: the tool's name, then its arguments.</summary>
    public List<List<string>> Calls { get; } = [];

    public IEnumerable<List<string>> CallsOf(string tool, params string[] command) =>
        Calls.Where(c => c[0] == tool && c.Skip(1).Take(command.Length).SequenceEqual(command));

    /// <summary>The value after <paramref name="option"/> in a call (<c>--name value</c>).</summary>
    public static string? Option(List<string> call, string option) =>
        call.IndexOf(option) is var i and >= 0 && i + 1 < call.Count ? call[i + 1] : null;

    public async Task RunAsync(string key, int keyAfterCalls = 1, IDictionary<string, string?>? environment = null)
    {
        var bin = Directory.CreateDirectory(Path.Combine(_dir.FullName, "bin")).FullName;
        var counter = Path.Combine(_dir.FullName, "keys-calls");
        WriteStandIn(Path.Combine(bin, "az"), $$"""
            case "$1 $2 $3" in
              "functionapp keys list")
                n=$(cat '{{counter}}' 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > '{{counter}}'
                if [ "$n" -ge {{keyAfterCalls}} ]; then echo '{{key}}'; else echo ''; fi ;;
            esac
            """);
        WriteStandIn(Path.Combine(bin, "curl"), "");

        var start = new ProcessStartInfo("sh")
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Repository.PathOf("infra", "hooks", "postdeploy.sh"));
        start.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        start.Environment["POSTDEPLOY_RETRY_SECONDS"] = "0";
        start.Environment.Remove("AZURE_SUBSCRIPTION_ID");
        foreach (var (name, value) in DeploymentOutputs)
            start.Environment[name] = value;
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
                start.Environment.Remove(name);
            else
                start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the hook did not finish in time.");
        }
        ExitCode = process.ExitCode;
        Output = await stdout + await stderr;
        Calls.Clear();
        if (File.Exists(Log))
            Calls.AddRange(ReadCalls(await File.ReadAllLinesAsync(Log)));
    }

    public void Dispose() => _dir.Delete(recursive: true);

    /// <summary>A stand-in that appends its name and arguments (one a line, indented) to the log, then does <paramref name="body"/>.</summary>
    private void WriteStandIn(string path, string body)
    {
        File.WriteAllText(path, $$"""
            #!/bin/sh
            { echo "$(basename "$0")"; for a in "$@"; do echo "  $a"; done; } >> '{{Log}}'
            {{body}}
            exit 0

            """);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static IEnumerable<List<string>> ReadCalls(IEnumerable<string> lines)
    {
        List<string>? call = null;
        foreach (var line in lines)
        {
            if (line.StartsWith("  ", StringComparison.Ordinal))
                call!.Add(line[2..]);
            else
            {
                if (call is not null)
                    yield return call;
                call = [line];
            }
        }
        if (call is not null)
            yield return call;
    }
}
