using System.Diagnostics;
using Campaigns.Functions.Http.Auth;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Engine;

/// <summary>
/// The app runs as it does under ./run.sh (real clock): the local Functions host as a process, starting the isolated
/// worker as its own child process. Both are killed with SIGKILL in the middle of a campaign, and a new pair takes over
/// the same storage. Nothing is lost and no attempt is dialed twice.
/// </summary>
public sealed class When_the_host_is_killed_mid_campaign(AppFixture fixture) : IClassFixture<AppFixture>
{
    private sealed class HostProcess(Process process, Uri address) : IAsyncDisposable
    {
        public Uri Address { get; } = address;

        public void Kill() => process.Kill(entireProcessTree: true);

        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited)
                Kill();
            await process.WaitForExitAsync();
            process.Dispose();
        }
    }

    private static async Task<HostProcess> StartAsync(Dictionary<string, string> environment)
    {
        var port = Azurite.FreePort();
        var info = new ProcessStartInfo("dotnet", [InProcessFunctionsApp.LocalHostProgram, "--app", InProcessFunctionsApp.AppDirectory, "--port", port.ToString()])
        {
            WorkingDirectory = InProcessFunctionsApp.AppDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in environment)
            info.Environment[key] = value;
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var address = new Uri($"http://127.0.0.1:{port}");
        using var probe = new HttpClient { BaseAddress = address };
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                return (await probe.GetAsync("/health")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, up => up, "the host answers", TimeSpan.FromSeconds(60));
        return new HostProcess(process, address);
    }

    [Fact]
    public async Task A_new_host_finishes_the_campaign_with_exact_counts()
    {
        var prefix = "k" + Guid.NewGuid().ToString("N")[..8];
        var key = ApiKeys.Generate();
        var environment = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = fixture.StorageConnectionString,
            ["Storage__TablePrefix"] = prefix,
            ["QueuePrefix"] = prefix + "-",
            ["TaskHub"] = prefix,
            ["Engine__MaxCallsInProgress"] = "4",
            ["Engine__AttemptTimeoutSeconds"] = "4", // a call claimed just before the kill, never placed, is retried soon
            ["Simulator__CallSeconds"] = "1",
            ["CAMPAIGNS_DEV_API_KEY"] = key,
            ["Logging__LogLevel__Default"] = "Warning",
        };
        // The processes use the real clock: give every contact a zone where it is now about noon, so the test runs at any hour.
        var offset = 12 - DateTime.UtcNow.Hour;
        offset = offset < -11 ? offset + 24 : offset > 14 ? offset - 24 : offset;
        var zone = offset == 0 ? "Etc/GMT" : offset > 0 ? $"Etc/GMT-{offset}" : $"Etc/GMT+{-offset}";
        var phones = Enumerable.Range(300, 24).Select(Scenario.NewYork).ToList();

        string id;
        await using (var first = await StartAsync(environment))
        {
            using var client = new HttpClient { BaseAddress = first.Address };
            client.DefaultRequestHeaders.Authorization = new("Bearer", key);
            id = await Scenario.CreateAsync(client, phones.Select(p => Scenario.Contact(p, "interested", zone)), maxAttempts: 3, retryMinutes: 1);
            await Scenario.StartAsync(client, id);
            await Eventually.UntilAsync(() => Scenario.CampaignAsync(client, id), c => c["calls_made"]!.GetValue<int>() >= 8, "some calls are made");
            first.Kill(); // the host and its worker, at once
        }

        await using var second = await StartAsync(environment);
        using var after = new HttpClient { BaseAddress = second.Address };
        after.DefaultRequestHeaders.Authorization = new("Bearer", key);
        // The new host takes the task hub's partitions once the killed one's leases run out (30 s, and 60 s for the app's
        // lease), and the work it held once its messages' visibility (host.json: 1 minute) ends.
        var done = await Scenario.UntilStatusAsync(after, id, "completed", TimeSpan.FromSeconds(240));

        var contacts = await Scenario.ContactsAsync(after, id);
        Assert.All(contacts.Values, c => Assert.Equal("interested", c["last_disposition"]!.GetValue<string>()));
        Assert.Equal(new Dictionary<string, int> { ["interested"] = 24 }, done.Dispositions());
        Assert.Equal(24, done["calls_connected"]!.GetValue<int>());
        Assert.Equal(contacts.Values.Sum(c => c["attempts"]!.GetValue<int>()), done["calls_made"]!.GetValue<int>());
    }
}
