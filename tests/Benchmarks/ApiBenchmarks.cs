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
using static BenchApp;

/// <summary>The API's speed: a 100,000-contact create against raw batch writes, and GET latency under 16 clients.</summary>
internal static class ApiBenchmarks
{

    /// <summary>
    /// POST of a 100,000-contact campaign, contacts/s end to end, next to raw batch upserts of the same rows. Every
    /// measurement writes into tables of its own, created just before and dropped just after: the emulator keeps
    /// each table in one in-memory collection whose writes slow down as it fills, so a shared table would favour
    /// whichever side writes first.
    /// </summary>
    public static async Task CreateAsync(string connection)
    {
        var n = Sizes.Pick(100_000, 500);
        var warm = Sizes.Pick(2_000, 100);
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
            var (app, client, prefix, _) = await StartAppAsync(connection);
            parallelism = app.Services.GetRequiredService<StorageOptions>().WriteParallelism;
            await CreateCampaignAsync(client, CampaignJson(warm));
            await StopAppAsync(app, client, connection, prefix);
            var table = service.GetTableClient("warm" + Guid.NewGuid().ToString("N")[..8]);
            await table.CreateAsync();
            await RawWriteAsync(table, specs.Take(warm).ToList(), parallelism, TableTransactionActionType.UpsertReplace);
            await table.DeleteAsync();
        }

        double bestApp = 0, bestRaw = 0, bestInsert = 0;
        for (var round = 1; round <= 2; round++)
        {
            double appSeconds = 0, rawSeconds = 0, insertSeconds = 0;
            async Task App()
            {
                var (app, client, prefix, _) = await StartAppAsync(connection);
                await CreateCampaignAsync(client, CampaignJson(100)); // this instance's connections and key cache
                var watch = Stopwatch.StartNew();
                await CreateCampaignAsync(client, json);
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
    /// GET /v1/campaigns/{id} under 16 concurrent clients x 300 requests, for a 1,000-contact campaign (2 shards), next
    /// to the same storage calls made in process (no HTTP) at the same concurrency. Then, fewer requests, the same for
    /// a 100,000-contact campaign (80 shards), whose counters are summed over its shards' rows.
    /// </summary>
    public static async Task GetLatencyAsync(string connection)
    {
        var (app, client, prefix, _) = await StartAppAsync(connection);
        var store = app.Services.GetRequiredService<CampaignStore>();
        var shards = app.Services.GetRequiredService<ShardStore>();
        var account = (await app.Services.GetRequiredService<ApiKeys>().ResolveAccountAsync(
            client.DefaultRequestHeaders.Authorization!.Parameter!, CancellationToken.None))!;

        static async Task<string> Measure(int clients, int perClient, Func<Task> request)
        {
            var cpu = CpuMeter.Start();
            var line = await MeasureLatency(clients, perClient, request);
            return $"{line}; CPU per request: {cpu.PerRequest(clients * (perClient + Math.Min(60, perClient)))}";
        }

        static async Task<string> MeasureLatency(int clients, int perClient, Func<Task> request)
        {
            // Warm-up at the measured concurrency, long enough for the tiered JIT to finish promoting the hot paths (a
            // short sequential warm-up left the first HTTP round paying for it: p50 99.9 ms then 55.4 ms a round later).
            await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
            {
                for (var i = 0; i < Math.Min(60, perClient); i++)
                    await request();
            })));
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
        Func<Task> Health() => async () =>
        {
            using var response = await client.GetAsync("/health");
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync();
        };
        Func<Task> Storage(string id) => async () =>
        {
            var stored = await store.GetAsync(account, id, CancellationToken.None);
            await shards.CountersAsync(id, stored!.ContactShards, CancellationToken.None);
        };
        var (clients, many, few) = (Sizes.Pick(16, 4), Sizes.Pick(300, 10), Sizes.Pick(25, 5));
        var small = await CreateCampaignAsync(client, CampaignJson(1_000));
        Console.WriteLine($"get_campaign 1k contacts ({ContactSharding.ShardCountFor(1_000)} shards, table of 1k rows), HTTP: {await Measure(clients, many, Http(small))}");
        Console.WriteLine($"  baseline, the same storage calls in process: {await Measure(clients, many, Storage(small))}");
        // Measured again after the baseline: the first HTTP round also pays the tiered JIT's last promotions and the
        // heap's growth, so the figure is given both ways.
        Console.WriteLine($"  HTTP again: {await Measure(clients, many, Http(small))}");
        // The hosting alone: an operation that touches no storage, through the local host and the worker.
        Console.WriteLine($"  GET /health (no storage), HTTP: {await Measure(clients, many, Health())}");

        var largeSize = Sizes.Pick(100_000, 2_000);
        var large = await CreateCampaignAsync(client, CampaignJson(largeSize));
        Console.WriteLine($"get_campaign {largeSize / 1000}k contacts ({ContactSharding.ShardCountFor(largeSize)} shards), HTTP: {await Measure(clients, few, Http(large))}");
        Console.WriteLine($"  baseline, the same storage calls in process: {await Measure(clients, few, Storage(large))}");
        Console.WriteLine($"get_campaign 1k contacts again (table now {(largeSize + 1_000) / 1000}k rows), HTTP: {await Measure(clients, few, Http(small))}");
        await StopAppAsync(app, client, connection, prefix);
    }

}
