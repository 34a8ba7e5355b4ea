using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Campaigns.Domain.Campaigns;
using Campaigns.Domain.Contacts;
using Campaigns.Domain.Validation;
using Campaigns.Functions.Engine;
using Campaigns.Functions.Hosting;
using Campaigns.Functions.Http.Auth;
using Campaigns.Functions.Http.V1;
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
// The upload benchmark's phases (bench.sh upload runs them, each storage phase on a fresh emulator).
if (which.Contains("upload-generate"))
{
    UploadBenchmark.Reset();
    UploadBenchmark.Generate();
    UploadBenchmark.ParseOnly();
}
if (which.Contains("upload-raw"))
    await UploadBenchmark.RawWritesAsync(connection);
if (which.Contains("upload-e2e"))
    await UploadBenchmark.EndToEndAsync(connection);
if (which.Contains("upload-report"))
    UploadBenchmark.Report();
// events: needs an AMQP 1.0 broker; bench.sh starts RabbitMQ and passes its URL in CAMPAIGNS_BENCH_AMQP.
if (which.Contains("events"))
    await EventsBenchmark.RunAsync(connection, Environment.GetEnvironmentVariable("CAMPAIGNS_BENCH_AMQP")
        ?? throw new InvalidOperationException("CAMPAIGNS_BENCH_AMQP is not set: run tests/Benchmarks/bench.sh events"));

internal static class Benchmarks
{
    /// <summary>How often a benchmark reads a campaign's progress while the engine runs it in the background.</summary>
    private static readonly TimeSpan ProgressPoll = TimeSpan.FromMilliseconds(250);

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

    /// <summary>Stops an app started by <see cref="StartAppAsync"/> and drops its tables, so later measurements start from an empty emulator.</summary>
    private static async Task StopAppAsync(Microsoft.AspNetCore.Builder.WebApplication app, HttpClient client, string connection, string prefix)
    {
        client.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        var service = new TableServiceClient(connection);
        foreach (var table in new[] { "accounts", "campaigns", "contacts" })
            await service.DeleteTableAsync(prefix + table);
        var queues = new QueueServiceClient(connection);
        foreach (var queue in new[] { EngineQueues.TimersQueue, EngineQueues.OutcomesQueue })
            await queues.DeleteQueueAsync($"{prefix}-{queue}");
    }

    /// <summary>
    /// The n-th generated number: even n are +1 415 2xx xxxx (San Francisco), odd n +1 212 5xx xxxx (New York),
    /// distinct for n below 2,000,000. Exchanges 200-209 and 500-509 cover the first 200,000, the most any benchmark
    /// uses; <see cref="CheckPhones"/> verifies validity and distinctness of a range.
    /// </summary>
    private static string Phone(int n)
    {
        var (area, exchange, j) = n % 2 == 0 ? ("415", 200, n / 2) : ("212", 500, n / 2);
        return $"+1{area}{exchange + j / 10_000 % 100:D3}{j % 10_000:D4}";
    }

    /// <summary>Throws unless the first <paramref name="n"/> generated numbers parse, are already E.164, and are distinct.</summary>
    private static void CheckPhones(int n)
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
    private static string NoonZone()
    {
        var offset = 12 - DateTime.UtcNow.Hour;
        offset = offset < -11 ? offset + 24 : offset > 14 ? offset - 24 : offset;
        return offset == 0 ? "Etc/GMT" : offset > 0 ? $"Etc/GMT-{offset}" : $"Etc/GMT+{-offset}";
    }

    private static int LoanAmount(int i) => 5_000 + i % 400 * 250;

    /// <summary>A create body: each contact has phone, name, timezone and one custom field (loan_amount, a JSON number).</summary>
    private static string CampaignJson(int contacts, string? outcome = null)
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
    private static List<ContactSpec> ContactSpecs(int contacts)
    {
        var zone = NoonZone();
        return Enumerable.Range(0, contacts).Select(i => new ContactSpec(PhoneNumber.Parse(Phone(i)), "Contact " + i, zone,
            new CustomFields([new("loan_amount", LoanAmount(i).ToString(System.Globalization.CultureInfo.InvariantCulture))]))).ToList();
    }

    private static async Task<string> CreateAsync(HttpClient client, string json)
    {
        using var response = await client.PostAsync("/v1/campaigns", new StringContent(json, Encoding.UTF8, "application/json"));
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST /v1/campaigns: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
    }

    private static async Task<JsonNode> GetAsync(HttpClient client, string id) =>
        JsonNode.Parse(await client.GetStringAsync($"/v1/campaigns/{id}"))!;

    /// <summary>Nearest-rank percentile of an ascending list.</summary>
    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static double Best(int repeats, Action action)
    {
        var best = double.MaxValue;
        for (var i = 0; i < repeats; i++)
        {
            var watch = Stopwatch.StartNew();
            action();
            best = Math.Min(best, watch.Elapsed.TotalMilliseconds);
        }
        return best;
    }

    // ---- issue 2 -------------------------------------------------------------------------------------------------

    /// <summary>
    /// POST of a 100,000-contact campaign, contacts/s end to end, next to raw batch upserts of the same rows. Every
    /// measurement writes into tables of its own, created just before and dropped just after: the emulator keeps
    /// each table in one in-memory collection whose writes slow down as it fills, so a shared table would favour
    /// whichever side writes first.
    /// </summary>
    public static async Task CreateAsync(string connection)
    {
        const int n = 100_000;
        var checkWatch = Stopwatch.StartNew();
        CheckPhones(n);
        var json = CampaignJson(n);
        var specs = ContactSpecs(n);
        Console.WriteLine($"create_100k setup: {n} generated numbers (+1 415 2xx xxxx, +1 212 5xx xxxx) all valid per libphonenumber and distinct " +
                          $"(checked in {checkWatch.Elapsed.TotalSeconds:F1} s); body {Encoding.UTF8.GetByteCount(json) / 1e6:F1} MB with name, timezone, loan_amount");
        var service = CampaignTables.CreateService(new StorageOptions { ConnectionString = connection }); // the app's client settings

        // Warm-up: JIT, connection pools, the emulator's code paths.
        int parallelism;
        {
            var (app, client, prefix) = await StartAppAsync(connection);
            parallelism = app.Services.GetRequiredService<StorageOptions>().WriteParallelism;
            await CreateAsync(client, CampaignJson(2000));
            await StopAppAsync(app, client, connection, prefix);
            var table = service.GetTableClient("warm" + Guid.NewGuid().ToString("N")[..8]);
            await table.CreateAsync();
            await RawWriteAsync(table, specs.Take(2000).ToList(), parallelism, TableTransactionActionType.UpsertReplace);
            await table.DeleteAsync();
        }

        double bestApp = 0, bestRaw = 0, bestInsert = 0;
        for (var round = 1; round <= 2; round++)
        {
            double appSeconds = 0, rawSeconds = 0, insertSeconds = 0;
            async Task App()
            {
                var (app, client, prefix) = await StartAppAsync(connection);
                await CreateAsync(client, CampaignJson(100)); // this instance's connections and key cache
                var watch = Stopwatch.StartNew();
                await CreateAsync(client, json);
                appSeconds = watch.Elapsed.TotalSeconds;
                await StopAppAsync(app, client, connection, prefix);
            }
            async Task<double> Raw(TableTransactionActionType type)
            {
                var table = service.GetTableClient("raw" + Guid.NewGuid().ToString("N")[..8]);
                await table.CreateAsync();
                await RawWriteAsync(table, specs.Take(100).ToList(), parallelism, type);
                var watch = Stopwatch.StartNew();
                await RawWriteAsync(table, specs, parallelism, type);
                var seconds = watch.Elapsed.TotalSeconds;
                await table.DeleteAsync();
                return seconds;
            }
            // Alternate the order, so that neither side always runs first.
            if (round % 2 == 1)
            {
                await App();
                rawSeconds = await Raw(TableTransactionActionType.UpsertReplace);
                insertSeconds = await Raw(TableTransactionActionType.Add);
            }
            else
            {
                insertSeconds = await Raw(TableTransactionActionType.Add);
                rawSeconds = await Raw(TableTransactionActionType.UpsertReplace);
                await App();
            }
            Console.WriteLine($"create_100k round {round}: app {n / appSeconds:F0} contacts/s ({appSeconds:F1} s), " +
                              $"raw {n / rawSeconds:F0} contacts/s ({rawSeconds:F1} s), ratio {rawSeconds / appSeconds:F2}; " +
                              $"raw insert {n / insertSeconds:F0} contacts/s ({insertSeconds:F1} s), ratio {insertSeconds / appSeconds:F2}");
            bestApp = Math.Max(bestApp, n / appSeconds);
            bestRaw = Math.Max(bestRaw, n / rawSeconds);
            bestInsert = Math.Max(bestInsert, n / insertSeconds);
        }
        Console.WriteLine($"create_100k: app {bestApp:F0} contacts/s, raw {bestRaw:F0} contacts/s, ratio {bestApp / bestRaw:F2} (target >= 0.80)");
        Console.WriteLine($"create_100k like for like: app {bestApp:F0} contacts/s, raw insert (Add, as the app writes) {bestInsert:F0} contacts/s, ratio {bestApp / bestInsert:F2}");

        CreateBreakdown(json, specs, n / bestApp);
    }

    /// <summary>
    /// Where the app's time goes besides storage: the request's CPU work before its first write (parse, read,
    /// validate), timed in process on the same body, best of 3.
    /// </summary>
    private static void CreateBreakdown(string json, List<ContactSpec> specs, double appSeconds)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var parse = Best(3, () => JsonDocument.Parse(bytes).Dispose());
        using var document = JsonDocument.Parse(bytes);
        CampaignDraft draft = null!;
        var read = Best(3, () => draft = CreateCampaignReader.Read(document.RootElement, new ValidationErrors()));
        CampaignSpec? spec = null;
        var validate = Best(3, () => spec = CampaignRules.Validate(draft, new ValidationErrors()));
        if (spec is null || spec.Contacts.Count != specs.Count)
            throw new InvalidOperationException("the benchmark body does not validate");
        var phones = specs.Select(s => s.Phone.E164).ToArray();
        var phoneParse = Best(3, () =>
        {
            foreach (var phone in phones)
                PhoneNumber.TryParse(phone, out _, out _);
        });
        var cpu = parse + read + validate;
        Console.WriteLine($"create_100k breakdown (in process, best of 3): JSON parse {parse:F0} ms, read {read:F0} ms, " +
                          $"validate {validate:F0} ms (of which libphonenumber {phoneParse:F0} ms) = {cpu:F0} ms before the first write, " +
                          $"{cpu / 10 / appSeconds:F1}% of the app's best time; the rest is the upload and the table writes");
    }

    /// <summary>
    /// The rows the app writes, built by the app's own <see cref="ContactStore.ToEntity"/>, in the partitions of a fresh
    /// campaign id (<see cref="ContactSharding.PartitionKeyOf"/>), as 100-row transactions, <paramref name="parallelism"/> in flight.
    /// </summary>
    private static async Task RawWriteAsync(TableClient table, List<ContactSpec> contacts, int parallelism, TableTransactionActionType type)
    {
        var campaign = "cmp_raw" + Guid.NewGuid().ToString("N")[..7];
        var shards = ContactSharding.ShardCountFor(contacts.Count);
        var batches = contacts
            .GroupBy(c => ContactSharding.PartitionKeyOf(campaign, c.Phone.E164, shards))
            .SelectMany(g => g.Chunk(100).Select(chunk => (PartitionKey: g.Key, Contacts: chunk)));
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (batch, ct) =>
            await table.SubmitTransactionAsync(batch.Contacts.Select(c => new TableTransactionAction(type,
                ContactStore.ToEntity(batch.PartitionKey, new ContactState(c, ContactStatus.Pending, 0, null, null), dueKey: null))).ToList(), ct));
    }

    /// <summary>
    /// GET /v1/campaigns/{id} under 16 concurrent clients x 300 requests, for a 1,000-contact campaign (1 shard), next
    /// to the same storage calls made in process (no HTTP) at the same concurrency. Then, fewer requests, the same for
    /// a 100,000-contact campaign (40 shards), whose counters are summed over 40 shard rows.
    /// </summary>
    public static async Task GetLatencyAsync(string connection)
    {
        var (app, client, prefix) = await StartAppAsync(connection);
        var store = app.Services.GetRequiredService<CampaignStore>();
        var shards = app.Services.GetRequiredService<ShardStore>();
        var account = (await app.Services.GetRequiredService<ApiKeys>().ResolveAccountAsync(
            client.DefaultRequestHeaders.Authorization!.Parameter!, CancellationToken.None))!;

        static async Task<string> Measure(int clients, int perClient, Func<Task> request)
        {
            for (var i = 0; i < Math.Min(200, clients * perClient / 4); i++) // warm-up
                await request();
            var latencies = new List<double>(clients * perClient);
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
            {
                var mine = new List<double>(perClient);
                for (var i = 0; i < perClient; i++)
                {
                    var started = Stopwatch.GetTimestamp();
                    await request();
                    mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                lock (latencies)
                    latencies.AddRange(mine);
            })));
            var seconds = watch.Elapsed.TotalSeconds;
            latencies.Sort();
            return $"{clients} clients x {perClient}: p50 {Percentile(latencies, 0.5):F1} ms, p90 {Percentile(latencies, 0.9):F1} ms, " +
                   $"p99 {Percentile(latencies, 0.99):F1} ms, max {latencies[^1]:F1} ms, {latencies.Count / seconds:F0} requests/s";
        }
        Func<Task> Http(string id) => async () =>
        {
            using var response = await client.GetAsync($"/v1/campaigns/{id}");
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync();
        };
        Func<Task> Storage(string id) => async () =>
        {
            var stored = await store.GetAsync(account, id, CancellationToken.None);
            await shards.CountersAsync(id, stored!.ContactShards, CancellationToken.None);
        };
        var small = await CreateAsync(client, CampaignJson(1_000));
        Console.WriteLine($"get_campaign 1k contacts (1 shard, table of 1k rows), HTTP: {await Measure(16, 300, Http(small))}");
        Console.WriteLine($"  baseline, the same storage calls in process: {await Measure(16, 300, Storage(small))}");

        var large = await CreateAsync(client, CampaignJson(100_000));
        Console.WriteLine($"get_campaign 100k contacts (40 shards, table of 101k rows), HTTP: {await Measure(16, 25, Http(large))}");
        Console.WriteLine($"  baseline, the same storage calls in process: {await Measure(16, 25, Storage(large))}");
        Console.WriteLine($"get_campaign 1k contacts again (table now 101k rows), HTTP: {await Measure(16, 25, Http(small))}");
        await StopAppAsync(app, client, connection, prefix);
    }

    // ---- issue 3 -------------------------------------------------------------------------------------------------

    /// <summary>A 20,000-contact campaign with zero-length calls, dialed to the end; next to the raw queue-send rate.</summary>
    public static async Task DispatchAsync(string connection)
    {
        var n = int.TryParse(Environment.GetEnvironmentVariable("DISPATCH_CONTACTS"), out var given) ? given : 20_000;
        var (app, client, prefix) = await StartAppAsync(connection, new()
        {
            ["Simulator:CallSeconds"] = "0",
            ["Engine:MaxCallsInProgress"] = "400",
        });
        var id = await CreateAsync(client, CampaignJson(n, "interested"));
        // The baseline is measured before and after the run; the emulator's speed drifts, so the faster one counts.
        var rawBefore = await RawQueueSendRateAsync(connection, n);
        // The dial times are read afterwards from the attempts the engine recorded, so that watching the campaign does
        // not load the emulator it measures: progress is polled only once a second.
        var startedAt = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        (await client.PatchAsync($"/v1/campaigns/{id}", new StringContent("{\"action\":\"start\"}", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        JsonNode campaign;
        while (true)
        {
            campaign = await GetAsync(client, id);
            if (campaign["status"]!.GetValue<string>() == "completed")
                break;
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        var starts = AttemptStarts(connection, prefix, id);
        if (starts.Count != n)
            throw new InvalidOperationException($"expected {n} attempts, found {starts.Count}");
        var dialedAt = (starts.Max() - startedAt).TotalSeconds;
        var completedAt = watch.Elapsed.TotalSeconds;

        var rawAfter = await RawQueueSendRateAsync(connection, n);
        var dispatchRate = n / dialedAt;
        var counter = app.Services.GetRequiredService<StorageRequestCounter>();
        foreach (var (kind, count) in counter.ByKind.OrderByDescending(k => k.Value).Take(8))
            Console.WriteLine($"    {count,7}  {kind}");
        Console.WriteLine($"dispatch_{n / 1000}k: {dispatchRate:F0} dials/s (all {n} dialed in {dialedAt:F1} s, completed in {completedAt:F1} s, " +
                          $"{campaign["calls_connected"]} connected), raw queue send {rawBefore:F0} msg/s before and {rawAfter:F0} after (16 in flight), " +
                          $"ratio {dispatchRate / Math.Max(rawBefore, rawAfter):F2} against the faster (target >= 0.50)");
        await StopAppAsync(app, client, connection, prefix);
    }

    /// <summary>Sends <paramref name="n"/> small messages to a new Storage queue, 16 in flight; returns messages/s.</summary>
    private static async Task<double> RawQueueSendRateAsync(string connection, int n)
    {
        var queue = new QueueClient(connection, "rawsend" + Guid.NewGuid().ToString("N")[..8]);
        await queue.CreateIfNotExistsAsync();
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, n), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, ct) => await queue.SendMessageAsync($"{{\"attempt\":\"raw.{i}\"}}", ct));
        var rate = n / watch.Elapsed.TotalSeconds;
        await queue.DeleteAsync(); // Azurite keeps every queue's messages in one collection: leftovers slow later polls
        return rate;
    }

    /// <summary>The start time of every attempt of a campaign, from the History its contact rows keep.</summary>
    private static List<DateTimeOffset> AttemptStarts(string connection, string prefix, string id) =>
        new TableServiceClient(connection).GetTableClient(prefix + "contacts")
            .Query<TableEntity>(e => e.PartitionKey.CompareTo(id) > 0 && e.PartitionKey.CompareTo(id + "~~") < 0)
            .Where(e => e.RowKey.StartsWith('+') && e.GetString("History") is not null)
            .SelectMany(e => JsonNode.Parse(e.GetString("History"))!.AsArray())
            .Select(a => DateTimeOffset.FromUnixTimeMilliseconds(a!["s"]!.GetValue<long>()))
            .ToList();

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
            await Task.Delay(ProgressPoll);

        var table = new TableServiceClient(connection).GetTableClient(prefix + "contacts");
        // Each contact row keeps its attempts (History): the second attempt's start against the first's end + 1 minute.
        var lateness = table.Query<TableEntity>(e => e.PartitionKey.CompareTo(id) > 0 && e.PartitionKey.CompareTo(id + "~~") < 0)
            .Where(e => e.RowKey.StartsWith('+') && e.GetString("History") is not null)
            .Select(e => JsonNode.Parse(e.GetString("History"))!.AsArray())
            .Where(h => h.Count >= 2)
            .Select(h => (double)(h[1]!["s"]!.GetValue<long>() - (h[0]!["e"]!.GetValue<long>() + 60_000)))
            .Order().ToList();
        Console.WriteLine($"timer_lateness ({lateness.Count} retries due 1 min after a no-answer): p50 {Percentile(lateness, 0.5) / 1000:F2} s, " +
                          $"p99 {Percentile(lateness, 0.99) / 1000:F2} s, max {lateness[^1] / 1000:F2} s (target p99 < 2 s)");
        await StopAppAsync(app, client, connection, prefix);
    }

    /// <summary>One wake-up that finds 1,000 contacts due, in a 1,000-contact and in a 200,000-contact campaign.</summary>
    public static async Task WakeUpCostAsync(string connection)
    {
        var (app, client, prefix) = await StartAppAsync(connection, new()
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
        await StopAppAsync(app, client, connection, prefix);
    }

    /// <summary>
    /// A campaign larger than one request accepts (100,000): written through the same command the API uses, with the
    /// same rows, only without the HTTP request limit.
    /// </summary>
    private static async Task<string> CreateDirectAsync(Microsoft.AspNetCore.Builder.WebApplication app, string account, int size)
    {
        var zone = NoonZone();
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
        var (app, client, prefix) = await StartAppAsync(connection, new()
        {
            ["Simulator:CallSeconds"] = "1", // results come back through the outcomes queue, as real calls' do
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
            await Task.Delay(ProgressPoll);
        }
        // Minus the benchmark's own progress reads: the campaign row and two counter rows per shard, each GET.
        var used = counter.Requests - before - (reads + 1) * (1L + 2 * ContactSharding.ShardCountFor(n));
        var attempts = campaign["calls_made"]!.GetValue<int>();
        Console.WriteLine($"transactions_per_attempt: {used} storage requests for {attempts} attempts in {watch.Elapsed.TotalSeconds:F1} s = " +
                          $"{(double)used / attempts:F2} per attempt (target <= 8; includes queue polling; simulator outcomes drawn: {campaign["disposition_summary"]})");
        foreach (var (kind, count) in counter.ByKind.OrderByDescending(k => k.Value).Take(12))
            Console.WriteLine($"    {count,7}  {kind}");
        await StopAppAsync(app, client, connection, prefix);
    }
}
