using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Campaigns.Domain.Contacts;
using Campaigns.Functions.Engine;
using Campaigns.Functions.Hosting;
using Campaigns.Functions.Http.Auth;
using Campaigns.Functions.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// Benchmarks of the issues' speed targets. Each prints its figure next to a baseline measured in the same run.
var connection = args[0];
var which = args.Length > 1 ? args[1..] : ["all"];
bool Wants(string name) => which.Contains("all") || which.Contains(name);

if (Wants("create"))
    await Benchmarks.CreateAsync(connection);
if (Wants("get"))
    await Benchmarks.GetLatencyAsync(connection);
if (Wants("dispatch"))
    await Benchmarks.DispatchAsync(connection);
if (Wants("timers"))
    await Benchmarks.TimerLatenessAsync(connection);
if (Wants("wakeup"))
    await Benchmarks.WakeUpCostAsync(connection);
if (Wants("transactions"))
    await Benchmarks.TransactionsPerAttemptAsync(connection);

internal static class Benchmarks
{
    /// <summary>An app on a free port, on its own tables and queues; the local trigger host on unless told otherwise.</summary>
    private static async Task<(Microsoft.AspNetCore.Builder.WebApplication App, HttpClient Client, string Prefix)> StartAppAsync(
        string connection, Dictionary<string, string?>? settings = null)
    {
        var prefix = "b" + Guid.NewGuid().ToString("N")[..8];
        var key = ApiKeys.Generate();
        var app = CampaignsApp.Build([], builder =>
        {
            builder.Configuration["AzureWebJobsStorage"] = connection;
            builder.Configuration["Storage:TablePrefix"] = prefix;
            builder.Configuration["Engine:QueuePrefix"] = prefix + "-";
            builder.Configuration["CAMPAIGNS_DEV_API_KEY"] = key;
            builder.Configuration["Logging:LogLevel:Default"] = "Warning";
            foreach (var (k, v) in settings ?? [])
                builder.Configuration[k] = v;
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        });
        await CampaignsApp.InitializeAsync(app);
        await app.StartAsync();
        var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromMinutes(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return (app, client, prefix);
    }

    private static string Phone(int n) => $"+1212{200 + n / 10_000 % 800:D3}{n % 10_000:D4}";

    /// <summary>A create body; contacts carry a zone where it is about noon now, so the legal window is open whatever the hour.</summary>
    private static string CampaignJson(int contacts, string? outcome = null)
    {
        var offset = 12 - DateTime.UtcNow.Hour;
        offset = offset < -11 ? offset + 24 : offset > 14 ? offset - 24 : offset;
        var zone = offset == 0 ? "Etc/GMT" : offset > 0 ? $"Etc/GMT-{offset}" : $"Etc/GMT+{-offset}";
        var json = new StringBuilder("{\"name\":\"Bench\",\"script_id\":\"scr_1\",\"language\":\"en-US\",\"max_attempts\":2,\"retry_interval_minutes\":1,\"contacts\":[");
        for (var i = 0; i < contacts; i++)
        {
            json.Append(i == 0 ? "" : ",").Append("{\"phone\":\"").Append(Phone(i)).Append("\",\"name\":\"Contact ").Append(i)
                .Append("\",\"loan_amount\":\"75000\",\"timezone\":\"").Append(zone).Append('"');
            if (outcome is not null)
                json.Append(",\"simulated_outcome\":\"").Append(outcome).Append('"');
            json.Append('}');
        }
        return json.Append("]}").ToString();
    }

    private static async Task<string> CreateAsync(HttpClient client, string json)
    {
        var response = await client.PostAsync("/v1/campaigns", new StringContent(json, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
    }

    private static async Task<JsonNode> GetAsync(HttpClient client, string id) =>
        JsonNode.Parse(await client.GetStringAsync($"/v1/campaigns/{id}"))!;

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    // ---- issue 2 -------------------------------------------------------------------------------------------------

    /// <summary>POST of a 100,000-contact campaign, contacts/s, next to raw batch upserts of the same rows.</summary>
    public static async Task CreateAsync(string connection)
    {
        const int n = 100_000;
        var (app, client, prefix) = await StartAppAsync(connection);
        var json = CampaignJson(n);
        var raw = new TableServiceClient(connection).GetTableClient(prefix + "raw");
        await raw.CreateIfNotExistsAsync();
        var parallelism = app.Services.GetRequiredService<StorageOptions>().WriteParallelism;
        await CreateAsync(client, CampaignJson(2000)); // warm-up
        await RawWriteAsync(raw, 2000, parallelism, TableTransactionActionType.UpsertReplace);

        double bestApp = 0, bestUpsert = 0, bestInsert = 0;
        for (var round = 1; round <= 2; round++)
        {
            // Alternate the order, so that neither side always writes into a fuller emulator.
            double appRate = 0, upsertRate = 0, insertRate = 0;
            async Task App() { var w = Stopwatch.StartNew(); await CreateAsync(client, json); appRate = n / w.Elapsed.TotalSeconds; }
            async Task Upsert() { var w = Stopwatch.StartNew(); await RawWriteAsync(raw, n, parallelism, TableTransactionActionType.UpsertReplace); upsertRate = n / w.Elapsed.TotalSeconds; }
            async Task Insert() { var w = Stopwatch.StartNew(); await RawWriteAsync(raw, n, parallelism, TableTransactionActionType.Add); insertRate = n / w.Elapsed.TotalSeconds; }
            if (round % 2 == 1) { await App(); await Upsert(); await Insert(); }
            else { await Insert(); await Upsert(); await App(); }
            Console.WriteLine($"create_100k round {round}: app {appRate:F0} contacts/s, raw batch upsert {upsertRate:F0}/s (ratio {appRate / upsertRate:F2}), raw batch insert {insertRate:F0}/s (ratio {appRate / insertRate:F2})");
            bestApp = Math.Max(bestApp, appRate);
            bestUpsert = Math.Max(bestUpsert, upsertRate);
            bestInsert = Math.Max(bestInsert, insertRate);
        }
        Console.WriteLine($"create_100k: app {bestApp:F0} contacts/s end to end (HTTP, JSON, validation, storage; body {json.Length / 1e6:F1} MB); " +
                          $"raw batch upsert {bestUpsert:F0}/s, ratio {bestApp / bestUpsert:F2} (target >= 0.80); raw batch insert {bestInsert:F0}/s, ratio {bestApp / bestInsert:F2}");
        await app.StopAsync();
    }

    /// <summary>The same rows the app writes (contact entities in their shard partitions), as raw 100-row transactions.</summary>
    private static async Task RawWriteAsync(TableClient table, int n, int parallelism, TableTransactionActionType type)
    {
        var campaign = "cmp_raw" + Guid.NewGuid().ToString("N")[..7];
        var shards = ContactSharding.ShardCountFor(n);
        var batches = Enumerable.Range(0, n)
            .Select(i => Phone(i))
            .GroupBy(phone => ContactSharding.PartitionKeyOf(campaign, phone, shards))
            .SelectMany(g => g.Chunk(100).Select(chunk => chunk.Select(phone => new TableEntity(g.Key, phone)
            {
                ["Name"] = "Contact", ["TimeZone"] = "Etc/GMT", ["Fields"] = "{\"loan_amount\":\"75000\"}", ["Status"] = "pending",
                ["Attempts"] = 0, ["LastDisposition"] = null, ["LastOutcome"] = null, ["NextAttemptAt"] = null, ["WaitReason"] = null, ["DueKey"] = null,
            }).ToList()));
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (batch, ct) =>
            await table.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(type, e)), ct));
    }

    /// <summary>GET /v1/campaigns/{id} latency under 16 concurrent clients.</summary>
    public static async Task GetLatencyAsync(string connection)
    {
        var (app, client, _) = await StartAppAsync(connection);
        var id = await CreateAsync(client, CampaignJson(10));
        const int clients = 16, perClient = 300;
        for (var i = 0; i < 100; i++)
            await client.GetStringAsync($"/v1/campaigns/{id}");
        var latencies = new List<double>();
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            var mine = new List<double>(perClient);
            for (var i = 0; i < perClient; i++)
            {
                var started = Stopwatch.GetTimestamp();
                (await client.GetAsync($"/v1/campaigns/{id}")).EnsureSuccessStatusCode();
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            lock (latencies)
                latencies.AddRange(mine);
        }));
        var seconds = watch.Elapsed.TotalSeconds;
        latencies.Sort();
        Console.WriteLine($"get_campaign ({clients} concurrent clients, {latencies.Count} requests): p50 {Percentile(latencies, 0.5):F1} ms, " +
                          $"p90 {Percentile(latencies, 0.9):F1} ms, p99 {Percentile(latencies, 0.99):F1} ms, max {latencies[^1]:F1} ms, {latencies.Count / seconds:F0} requests/s");
        await app.StopAsync();
    }

    // ---- issue 3 -------------------------------------------------------------------------------------------------

    /// <summary>A 20,000-contact campaign with zero-length calls, dialed to the end; next to the raw queue-send rate.</summary>
    public static async Task DispatchAsync(string connection)
    {
        var n = int.TryParse(Environment.GetEnvironmentVariable("DISPATCH_CONTACTS"), out var given) ? given : 20_000;
        var (app, client, _) = await StartAppAsync(connection, new()
        {
            ["Simulator:CallSeconds"] = "0",
            ["Engine:MaxCallsInProgress"] = "400",
        });
        var id = await CreateAsync(client, CampaignJson(n, "interested"));
        var watch = Stopwatch.StartNew();
        (await client.PatchAsync($"/v1/campaigns/{id}", new StringContent("{\"action\":\"start\"}", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        JsonNode campaign;
        double dialedAt = 0;
        while (true)
        {
            campaign = await GetAsync(client, id);
            if (dialedAt == 0 && campaign["calls_made"]!.GetValue<int>() == n)
                dialedAt = watch.Elapsed.TotalSeconds;
            if (campaign["status"]!.GetValue<string>() == "completed")
                break;
            await Task.Delay(250);
        }
        var completedAt = watch.Elapsed.TotalSeconds;

        var queue = new QueueClient(connection, "rawsend" + Guid.NewGuid().ToString("N")[..8]);
        await queue.CreateIfNotExistsAsync();
        watch.Restart();
        await Parallel.ForEachAsync(Enumerable.Range(0, n), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, ct) => await queue.SendMessageAsync($"{{\"attempt\":\"raw.{i}\"}}", ct));
        var rawRate = n / watch.Elapsed.TotalSeconds;
        var dispatchRate = n / dialedAt;
        var counter = app.Services.GetRequiredService<StorageRequestCounter>();
        foreach (var (kind, count) in counter.ByKind.OrderByDescending(k => k.Value).Take(8))
            Console.WriteLine($"    {count,7}  {kind}");
        Console.WriteLine($"dispatch_{n / 1000}k: {dispatchRate:F0} dials/s (all {n} dialed in {dialedAt:F1} s, completed in {completedAt:F1} s, " +
                          $"{campaign["calls_connected"]} connected), raw queue send {rawRate:F0} msg/s (16 in flight), ratio {dispatchRate / rawRate:F2} (target >= 0.50)");
        await app.StopAsync();
    }

    /// <summary>Retries due one minute after a no-answer: p50/p99 of (dial time - due time).</summary>
    public static async Task TimerLatenessAsync(string connection)
    {
        const int n = 200;
        var (app, client, prefix) = await StartAppAsync(connection, new()
        {
            ["Simulator:CallSeconds"] = "0",
            ["Engine:MaxCallsInProgress"] = "400",
        });
        var id = await CreateAsync(client, CampaignJson(n, "no_answer"));
        (await client.PatchAsync($"/v1/campaigns/{id}", new StringContent("{\"action\":\"start\"}", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        while ((await GetAsync(client, id))["status"]!.GetValue<string>() != "completed")
            await Task.Delay(1000);

        var table = new TableServiceClient(connection).GetTableClient(prefix + "contacts");
        var attempts = table.Query<TableEntity>(e => e.PartitionKey.CompareTo(id) > 0 && e.PartitionKey.CompareTo(id + "~~") < 0)
            .Where(e => e.RowKey.StartsWith("~att~", StringComparison.Ordinal))
            .Select(e => (Phone: e.RowKey.Split('~')[2], Number: int.Parse(e.RowKey.Split('~')[3]), Started: e.GetDateTimeOffset("StartedAt")!.Value, Ended: e.GetDateTimeOffset("EndedAt")))
            .ToList();
        var lateness = attempts.Where(a => a.Number == 2)
            .Select(second => (second.Started - (attempts.Single(a => a.Phone == second.Phone && a.Number == 1).Ended!.Value + TimeSpan.FromMinutes(1))).TotalMilliseconds)
            .Order().ToList();
        Console.WriteLine($"timer_lateness ({lateness.Count} retries due 1 min after a no-answer): p50 {Percentile(lateness, 0.5) / 1000:F2} s, " +
                          $"p99 {Percentile(lateness, 0.99) / 1000:F2} s, max {lateness[^1] / 1000:F2} s (target p99 < 2 s)");
        await app.StopAsync();
    }

    /// <summary>One wake-up that finds 1,000 contacts due, in a 1,000-contact and in a 200,000-contact campaign.</summary>
    public static async Task WakeUpCostAsync(string connection)
    {
        var (app, client, _) = await StartAppAsync(connection, new()
        {
            ["Simulator:CallSeconds"] = "3600",
            ["Engine:MaxCallsInProgress"] = "1000",
            ["LocalTriggerHost:Enabled"] = "false", // the benchmark drives the wake-ups itself
        });
        var engine = app.Services.GetRequiredService<CampaignEngine>();
        var counter = app.Services.GetRequiredService<StorageRequestCounter>();
        var campaigns = app.Services.GetRequiredService<CampaignStore>();
        var account = (await app.Services.GetRequiredService<ApiKeys>().ResolveAccountAsync(
            client.DefaultRequestHeaders.Authorization!.Parameter!, CancellationToken.None))!;

        // Both campaigns live in the same tables, created before either wakes: the emulator scans whole tables on
        // every query, so only this way do the two wake-ups see the same storage and differ by campaign size alone.
        var smallId = await CreateAsync(client, CampaignJson(2_000));
        var largeId = await CreateDirectAsync(app, account, 200_000);
        var options = app.Services.GetRequiredService<EngineOptions>();
        foreach (var id in new[] { smallId, largeId })
            (await client.PatchAsync($"/v1/campaigns/{id}", new StringContent("{\"action\":\"start\"}", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();

        async Task<(double Ms, long Requests)> WakeAsync(string id, int expectedMade)
        {
            var before = counter.Requests;
            var watch = Stopwatch.StartNew();
            await engine.HandleAsync(new TimerMessage(account, id, null, DateTimeOffset.UtcNow), CancellationToken.None);
            var ms = watch.Elapsed.TotalMilliseconds;
            var requests = counter.Requests - before;
            var made = (await GetAsync(client, id))["calls_made"]!.GetValue<int>();
            if (made != expectedMade)
                throw new InvalidOperationException($"expected {expectedMade} dials, saw {made}");
            return (ms, requests);
        }

        // Each round lets 1,000 more calls be in progress, so each wake-up finds exactly 1,000 contacts to dial.
        for (var round = 1; round <= 2; round++)
        {
            options.MaxCallsInProgress = 1000 * round;
            var small = await WakeAsync(smallId, 1000 * round);
            var large = await WakeAsync(largeId, 1000 * round);
            Console.WriteLine($"wakeup_cost round {round} (1,000 due): 2,000-contact campaign {small.Ms:F0} ms / {small.Requests} storage requests; " +
                              $"200,000-contact campaign {large.Ms:F0} ms / {large.Requests} storage requests; time ratio {large.Ms / small.Ms:F2}, " +
                              $"request ratio {(double)large.Requests / small.Requests:F2} (target <= 1.5)");
        }
        await app.StopAsync();
    }

    /// <summary>
    /// A campaign larger than one request accepts (100,000): written through the same command the API uses, with the
    /// same rows, only without the HTTP request limit.
    /// </summary>
    private static async Task<string> CreateDirectAsync(Microsoft.AspNetCore.Builder.WebApplication app, string account, int size)
    {
        var offset = 12 - DateTime.UtcNow.Hour;
        offset = offset < -11 ? offset + 24 : offset > 14 ? offset - 24 : offset;
        var zone = offset == 0 ? "Etc/GMT" : offset > 0 ? $"Etc/GMT-{offset}" : $"Etc/GMT+{-offset}";
        Campaigns.Domain.Languages.LanguageTag.TryParse("en-US", out var language, out _);
        var contacts = Enumerable.Range(0, size).Select(i => new ContactSpec(PhoneNumber.Parse(Phone(i)), "Contact " + i, zone, CustomFields.None)).ToList();
        var spec = new Campaigns.Domain.Campaigns.CampaignSpec("Big", "scr_1", language, null, 2, 1, contacts);
        var (stored, _) = await app.Services.GetRequiredService<Campaigns.Functions.Campaigns.CampaignCommands>().CreateAsync(account, spec, null, CancellationToken.None);
        return stored.Campaign.Id;
    }

    /// <summary>Storage requests per dialed attempt over a whole 1,000-contact campaign (retries included), polling included.</summary>
    public static async Task TransactionsPerAttemptAsync(string connection)
    {
        const int n = 1000;
        var (app, client, _) = await StartAppAsync(connection, new()
        {
            ["Simulator:CallSeconds"] = "0",
            ["Engine:MaxCallsInProgress"] = "50",
        });
        var counter = app.Services.GetRequiredService<StorageRequestCounter>();
        var id = await CreateAsync(client, CampaignJson(n));
        var before = counter.Requests;
        var watch = Stopwatch.StartNew();
        (await client.PatchAsync($"/v1/campaigns/{id}", new StringContent("{\"action\":\"start\"}", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        JsonNode campaign;
        var reads = 0;
        while ((campaign = await GetAsync(client, id))["status"]!.GetValue<string>() != "completed" || campaign["calls_made"]!.GetValue<int>() < n)
        {
            reads++;
            await Task.Delay(500);
        }
        var used = counter.Requests - before - (reads + 1) * 2L; // minus the benchmark's own progress reads (a point read and a query each)
        var attempts = campaign["calls_made"]!.GetValue<int>();
        Console.WriteLine($"transactions_per_attempt: {used} storage requests for {attempts} attempts in {watch.Elapsed.TotalSeconds:F1} s = " +
                          $"{(double)used / attempts:F2} per attempt (target <= 8; includes queue polling; simulator outcomes drawn: {campaign["disposition_summary"]})");
        foreach (var (kind, count) in counter.ByKind.OrderByDescending(k => k.Value).Take(12))
            Console.WriteLine($"    {count,7}  {kind}");
        await app.StopAsync();
    }
}
