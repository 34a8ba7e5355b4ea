using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Campaigns.Domain.Contacts;
using Campaigns.Functions.Tests.Infrastructure;
using Campaigns.Functions.Http.Auth;
using Campaigns.Functions.Storage;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Sizes of the benchmarks: the full ones by default; with <c>BENCH_SMOKE=1</c> (what <c>./test.sh</c> runs) a few
/// hundred contacts each, so a pass takes seconds and only proves that every benchmark still runs to its end.
/// </summary>
internal static class Sizes
{
    public static readonly bool Smoke = Environment.GetEnvironmentVariable("BENCH_SMOKE") == "1";

    public static int Pick(int full, int smoke) => Smoke ? smoke : full;
}

/// <summary>What every benchmark shares: an app of its own on a free port, the generated contacts, HTTP helpers.</summary>
internal static class BenchApp
{
    /// <summary>How often a benchmark reads a campaign's progress while the engine runs it in the background.</summary>
    public static readonly TimeSpan ProgressPoll = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// An app on a free port, on its own tables and queues; every trigger on unless settings disable one (<c>AzureWebJobs.{name}.Disabled</c>). With
    /// <paramref name="events"/>, events are on as in production: the outbox relay runs, a broker topic takes them, and
    /// the returned <see cref="EventTap"/> is subscribed as the account's webhook and listens on the topic.
    /// </summary>
    public static async Task<(InProcessFunctionsApp App, HttpClient Client, string Prefix, EventTap? Events)> StartAppAsync(
        string connection, Dictionary<string, string?>? settings = null, bool events = false)
    {
        var prefix = "b" + Guid.NewGuid().ToString("N")[..8];
        var key = ApiKeys.Generate();
        var topic = events ? BenchBroker.NextTappedTopic() : "";
        var tap = events ? await EventTap.StartAsync(BenchBroker.ConnectionString, topic) : null;
        var all = new Dictionary<string, string?>
        {
            ["Storage:TablePrefix"] = prefix,
            ["QueuePrefix"] = prefix + "-",
            ["TaskHub"] = prefix, // the Durable task hub: its own queues, tables and containers
            ["CAMPAIGNS_DEV_API_KEY"] = key,
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development", // the event tap's webhook listens on 127.0.0.1
        };
        if (events)
        {
            all["ServiceBusConnection"] = BenchBroker.ConnectionString;
            all["ServiceBusTopic"] = topic;
        }
        foreach (var (k, v) in settings ?? [])
            all[k] = v;
        // The host's own requests (queue polling, the Durable task hub) are counted beside the app's.
        var app = await InProcessFunctionsApp.StartAsync(connection, all, hostId: prefix, hostStorageRequests: new Campaigns.LocalHost.StorageRequestTally());
        var client = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromMinutes(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (tap is not null)
            await tap.SubscribeAsync(client);
        return (app, client, prefix, tap);
    }

    /// <summary>
    /// These settings plus <c>AzureWebJobs.{name}.Disabled</c> for every queue, blob and timer function but
    /// <paramref name="except"/>, as the Functions host reads them.
    /// </summary>
    public static Dictionary<string, string?> WithTriggersOff(this Dictionary<string, string?> settings, params string[] except)
    {
        foreach (var name in InProcessFunctionsApp.TriggerFunctions.Except(except))
            settings[$"AzureWebJobs.{name}.Disabled"] = "true";
        return settings;
    }

    /// <summary>Stops an app started by <see cref="StartAppAsync"/> and drops its tables and queues, so later measurements start from an empty emulator.</summary>
    public static async Task StopAppAsync(InProcessFunctionsApp app, HttpClient client, string connection, string prefix, EventTap? tap = null)
    {
        client.Dispose();
        await app.DisposeAsync();
        if (tap is not null)
            await tap.DisposeAsync();
        var service = new TableServiceClient(connection);
        await foreach (var table in service.QueryAsync(t => t.Name.CompareTo(prefix) >= 0 && t.Name.CompareTo(prefix + "~") < 0))
            await service.DeleteTableAsync(table.Name);
        var queues = new QueueServiceClient(connection);
        await foreach (var queue in queues.GetQueuesAsync(prefix: prefix + "-"))
            await queues.DeleteQueueAsync(queue.Name);
    }

    /// <summary>
    /// The n-th generated number: even n are +1 415 2xx xxxx (San Francisco), odd n +1 212 5xx xxxx (New York),
    /// distinct for n below 2,000,000. Exchanges 200-209 and 500-509 cover the first 200,000, the most any benchmark
    /// uses; <see cref="CheckPhones"/> verifies validity and distinctness of a range.
    /// </summary>
    public static string Phone(int n)
    {
        var (area, exchange, j) = n % 2 == 0 ? ("415", 200, n / 2) : ("212", 500, n / 2);
        return $"+1{area}{exchange + j / 10_000 % 100:D3}{j % 10_000:D4}";
    }

    /// <summary>Throws unless the first <paramref name="n"/> generated numbers parse, are already E.164, and are distinct.</summary>
    public static void CheckPhones(int n)
    {
        var seen = new HashSet<string>(n, StringComparer.Ordinal);
        for (var i = 0; i < n; i++)
        {
            var text = Phone(i);
            if (!PhoneNumber.TryParse(text, out var phone, out var error))
                throw new InvalidOperationException($"generated number {text} {error}");
            if (phone.E164 != text)
                throw new InvalidOperationException($"generated number {text} normalises to {phone.E164}");
            if (!seen.Add(text))
                throw new InvalidOperationException($"generated number {text} repeats");
        }
    }

    /// <summary>A zone where it is about noon now, so the legal calling window is open whatever the hour the benchmark runs.</summary>
    public static string NoonZone()
    {
        var offset = 12 - DateTime.UtcNow.Hour;
        offset = offset < -11 ? offset + 24 : offset > 14 ? offset - 24 : offset;
        return offset == 0 ? "Etc/GMT" : offset > 0 ? $"Etc/GMT-{offset}" : $"Etc/GMT+{-offset}";
    }

    private static int LoanAmount(int i) => 5_000 + i % 400 * 250;

    /// <summary>A create body: each contact has phone, name, timezone and one custom field (loan_amount, a JSON number).</summary>
    public static string CampaignJson(int contacts, string? outcome = null)
    {
        var zone = NoonZone();
        var json = new StringBuilder(contacts * 110 + 200)
            .Append("{\"name\":\"Bench\",\"script_id\":\"scr_1\",\"language\":\"en-US\",\"max_attempts\":2,\"retry_interval_minutes\":1,\"contacts\":[");
        for (var i = 0; i < contacts; i++)
        {
            json.Append(i == 0 ? "" : ",").Append("{\"phone\":\"").Append(Phone(i)).Append("\",\"name\":\"Contact ").Append(i)
                .Append("\",\"timezone\":\"").Append(zone).Append("\",\"loan_amount\":").Append(LoanAmount(i));
            if (outcome is not null)
                json.Append(",\"simulated_outcome\":\"").Append(outcome).Append('"');
            json.Append('}');
        }
        return json.Append("]}").ToString();
    }

    /// <summary>The contacts of <see cref="CampaignJson"/> (without simulated outcomes), as the validated specs the app stores.</summary>
    public static List<ContactSpec> ContactSpecs(int contacts)
    {
        var zone = NoonZone();
        return Enumerable.Range(0, contacts).Select(i => new ContactSpec(PhoneNumber.Parse(Phone(i)), "Contact " + i, zone,
            new CustomFields([new("loan_amount", LoanAmount(i).ToString(System.Globalization.CultureInfo.InvariantCulture))]))).ToList();
    }

    public static async Task<string> CreateCampaignAsync(HttpClient client, string json)
    {
        using var response = await client.PostAsync("/v1/campaigns", new StringContent(json, Encoding.UTF8, "application/json"));
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST /v1/campaigns: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
    }

    public static async Task StartCampaignAsync(HttpClient client, string id) =>
        (await client.PatchAsync($"/v1/campaigns/{id}", new StringContent("{\"action\":\"start\"}", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();

    /// <summary>Server errors the benchmark's own reads met (a run has met none when this stays 0).</summary>
    public static int ServerErrors;

    /// <summary>GET of a campaign as a client would poll it: a 5xx is counted (it must not happen) and the read tried again.</summary>
    public static async Task<JsonNode> GetAsync(HttpClient client, string id)
    {
        while (true)
        {
            using var response = await client.GetAsync($"/v1/campaigns/{id}");
            if ((int)response.StatusCode >= 500)
            {
                Interlocked.Increment(ref ServerErrors);
                Console.WriteLine($"    GET /v1/campaigns/{id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                await Task.Delay(1000);
                continue;
            }
            response.EnsureSuccessStatusCode();
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        }
    }

    /// <summary>Storage tries the app saw fail for the storage's sake (timeouts, throttling, 5xx) and the API's 5xx: both must be none.</summary>
    public static string Health(InProcessFunctionsApp app)
    {
        var counter = app.Services.GetRequiredService<StorageRequestCounter>();
        var storage = counter.Failures.Count == 0 ? "none" : string.Join(", ", counter.Failures.Select(f => $"{f.Value} x {f.Key}"));
        var slow = counter.Slow.Count == 0 ? "none" : string.Join(", ", counter.Slow.OrderByDescending(s => s.Value.Count).Take(5)
            .Select(s => $"{s.Value.Count} x {s.Key} (longest {s.Value.LongestSeconds:F1} s)"));
        return $"storage timeouts/throttling/5xx: {storage}; API 5xx: {ServerErrors}; storage requests over 1 s: {slow}";
    }

    /// <summary>What the relay did: passes, events, and the time its phases took (summed over passes that ran side by side).</summary>
    public static string RelayWork(InProcessFunctionsApp app)
    {
        var m = app.Services.GetRequiredService<Campaigns.Functions.Integration.Events.RelayMetrics>();
        static string S(long ticks) => $"{ticks / (double)System.Diagnostics.Stopwatch.Frequency:F1} s";
        return $"relay: {m.Passes} passes, {m.EventsRelayed:N0} events, {m.OutboxRowsRead} outbox rows; read {S(m.ReadTicks)}, append {S(m.AppendTicks)}, " +
               $"delete {S(m.DeleteTicks)}; broker read {S(m.BrokerReadTicks)}, send {S(m.BrokerSendTicks)}, cursor {S(m.BrokerCursorTicks)}";
    }

    /// <summary>Every storage request so far: the app's (worker) and the host's (queue listeners, the Durable task hub).</summary>
    public static long AllStorageRequests(InProcessFunctionsApp app) =>
        app.Services.GetRequiredService<StorageRequestCounter>().Requests + (app.Host.StorageRequests?.Requests ?? 0);

    /// <summary>The host's storage requests by kind (the task hub's control queues as one), the largest first.</summary>
    public static string HostBreakdown(InProcessFunctionsApp app, int top = 8) =>
        app.Host.StorageRequests is not { } tally ? "not counted"
            : string.Join(", ", tally.ByKind.OrderByDescending(k => k.Value).Take(top).Select(k => $"{k.Value} x {k.Key}"));

    /// <summary>Storage requests by scope: the relay's, the deliveries' and the rest.</summary>
    public static string ScopeBreakdown(InProcessFunctionsApp app, long total)
    {
        var scopes = app.Services.GetRequiredService<StorageRequestCounter>().ByScope;
        var relay = scopes.GetValueOrDefault("relay");
        var delivery = scopes.GetValueOrDefault("delivery");
        return $"relay {relay}, event delivery {delivery}, engine and the rest {total - relay - delivery}";
    }

    /// <summary>Nearest-rank percentile of an ascending list.</summary>
    public static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static double Best(int repeats, Action action)
    {
        var best = double.MaxValue;
        for (var i = 0; i < repeats; i++)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            action();
            best = Math.Min(best, watch.Elapsed.TotalMilliseconds);
        }
        return best;
    }

    /// <summary>
    /// A campaign larger than one request accepts (100,000), or with a retry interval the API refuses (0 minutes, for
    /// smoke runs): written through the same command the API uses, with the same rows, only without the API's limits.
    /// </summary>
    public static async Task<string> CreateDirectAsync(InProcessFunctionsApp app, string account, int size, int retryMinutes = 1, string? outcome = null)
    {
        var zone = NoonZone();
        Campaigns.Domain.Languages.LanguageTag.TryParse("en-US", out var language, out _);
        var fields = outcome is null ? CustomFields.None : new CustomFields([new("simulated_outcome", $"\"{outcome}\"")]); // values are JSON
        var contacts = Enumerable.Range(0, size).Select(i => new ContactSpec(PhoneNumber.Parse(Phone(i)), "Contact " + i, zone, fields)).ToList();
        var spec = new Campaigns.Domain.Campaigns.CampaignSpec("Big", "scr_1", language, null, 2, retryMinutes, contacts);
        var (stored, _) = await app.Services.GetRequiredService<Campaigns.Functions.Campaigns.CampaignCommands>().CreateAsync(account, spec, null, CancellationToken.None);
        return stored.Campaign.Id;
    }

    /// <summary>The account of the benchmark's key.</summary>
    public static async Task<string> AccountAsync(InProcessFunctionsApp app, HttpClient client) =>
        (await app.Services.GetRequiredService<ApiKeys>().ResolveAccountAsync(client.DefaultRequestHeaders.Authorization!.Parameter!, CancellationToken.None))!;

}
