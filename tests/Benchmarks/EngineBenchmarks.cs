using System.Diagnostics;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Campaigns.Functions.Engine;
using Campaigns.Functions.Integration.Events;
using Campaigns.Functions.Storage;
using Microsoft.Extensions.DependencyInjection;
using static BenchApp;

/// <summary>
/// The engine's speed, each with events on as in production: the outbox and its relay, a webhook receiver and a broker
/// topic take every event, and each benchmark prints the event lag beside its own figure.
/// </summary>
internal static class EngineBenchmarks
{
    /// <summary>How long a benchmark waits, after its own figure, for the last events to reach both destinations.</summary>
    private static readonly TimeSpan DrainWait = TimeSpan.FromSeconds(Sizes.Pick(60, 20));

    /// <summary>A 20,000-contact campaign with zero-length calls, dialed to the end; next to the raw queue-send rate.</summary>
    public static async Task DispatchAsync(string connection)
    {
        var n = int.TryParse(Environment.GetEnvironmentVariable("DISPATCH_CONTACTS"), out var given) ? given : Sizes.Pick(20_000, 300);
        var (app, client, prefix, tap) = await StartAppAsync(connection, new()
        {
            ["Simulator:CallSeconds"] = "0",
            ["Engine:MaxCallsInProgress"] = "400",
        }, events: Environment.GetEnvironmentVariable("BENCH_EVENTS") != "0");
        await WarmUpAsync(client, Math.Max(n / 10, 1));
        var id = await CreateCampaignAsync(client, CampaignJson(n, "interested"));
        var counter = app.Services.GetRequiredService<StorageRequestCounter>();
        var (requestsBefore, kindsBefore) = (counter.Requests, counter.ByKind.ToDictionary());
        Console.WriteLine($"    created; {Health(app)}");
        // The dial times are read afterwards from the attempts the engine recorded, so that watching the campaign does
        // not load the emulator it measures: progress is polled only once a second.
        var startedAt = DateTimeOffset.UtcNow;
        var cpu = CpuMeter.Start();
        var watch = Stopwatch.StartNew();
        await StartCampaignAsync(client, id);
        JsonNode campaign;
        var progress = Stopwatch.StartNew();
        while (true)
        {
            campaign = await GetAsync(client, id);
            if (campaign["status"]!.GetValue<string>() == "completed")
                break;
            if (progress.Elapsed > TimeSpan.FromSeconds(15))
            {
                Console.WriteLine($"    {watch.Elapsed.TotalSeconds:F0} s: {campaign["calls_made"]} dialed; {Health(app)}");
                progress.Restart();
            }
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        var starts = AttemptStarts(connection, prefix, id);
        if (starts.Count != n)
            throw new InvalidOperationException($"expected {n} attempts, found {starts.Count}");
        var dialedAt = (starts.Max() - startedAt).TotalSeconds;
        var completedAt = watch.Elapsed.TotalSeconds;
        Console.WriteLine($"  CPU used from start to completed (2 cores = {2 * completedAt:F0} s available): {cpu.Report()}");
        if (tap is not null)
            await tap.ReportAsync(app.Services.GetRequiredService<EventStreamStore>(), [id], DrainWait);

        // The baseline runs once the campaign is done, on the same emulator, warmed up. Not before the run as well: the
        // messages of a baseline queue become garbage that Azurite's queue GC (every minute) sweeps while the engine
        // runs, stalling every request for seconds (seen: 3.6 s in the middle of the run), and a cold client measured
        // less than half the warm rate anyway (274 against 1,084 msg/s).
        var raw = await RawQueueSendRateAsync(connection, n);
        var dispatchRate = n / dialedAt;
        foreach (var (kind, count) in counter.ByKind.Select(k => (k.Key, Count: k.Value - kindsBefore.GetValueOrDefault(k.Key))).OrderByDescending(k => k.Count).Take(8))
            Console.WriteLine($"    {count,7}  {kind}");
        Console.WriteLine($"  storage requests from start to completed: {counter.Requests - requestsBefore} (since the app started: {ScopeBreakdown(app, counter.Requests)}); {Health(app)}");
        Console.WriteLine($"  {RelayWork(app)}");
        Console.WriteLine($"  engine (warm-up included): {app.Services.GetRequiredService<EngineMetrics>()}; host: {HostBreakdown(app, 6)}");
        Console.WriteLine($"dispatch_{n / 1000.0:0.#}k: {dispatchRate:F0} dials/s (all {n} dialed in {dialedAt:F1} s, completed in {completedAt:F1} s, " +
                          $"{campaign["calls_connected"]} connected), raw queue send {raw:F0} msg/s (16 in flight, same emulator, after the run), " +
                          $"ratio {dispatchRate / raw:F2} (target >= 0.50)");
        await StopAppAsync(app, client, connection, prefix, tap);
    }

    /// <summary>
    /// A smaller campaign dialed to the end before the measured one, not timed, as the raw baseline warms up before it is
    /// measured: a fresh process spends its first minute compiling. Seen with per-thread CPU (/proc) during the run
    /// without it: the tiered JIT's background thread used 13.4 s of CPU in 35 s, against 14.4 s for every thread-pool
    /// thread together (about 15,000 methods compiled in 30 s, Tier0 then instrumented then Tier1). A long-lived
    /// Functions instance pays that once; the benchmark measures the engine, not the JIT.
    /// </summary>
    private static async Task WarmUpAsync(HttpClient client, int contacts)
    {
        var watch = Stopwatch.StartNew();
        var id = await CreateCampaignAsync(client, CampaignJson(contacts, "interested"));
        await StartCampaignAsync(client, id);
        while ((await GetAsync(client, id))["status"]!.GetValue<string>() != "completed")
            await Task.Delay(TimeSpan.FromSeconds(1));
        Console.WriteLine($"    warm-up: a {contacts}-contact campaign dialed to the end in {watch.Elapsed.TotalSeconds:F1} s (not measured)");
    }

    /// <summary>
    /// Sends <paramref name="n"/> small messages (at most 1,000) to a new Storage queue, 16 in flight; returns messages/s.
    /// At most 1,000: Azurite collects the messages of a deleted queue a minute later, one at a time, re-sorting an index
    /// for each, so 20,000 of them stall the emulator for minutes in the middle of the measured run (seen in a profile of
    /// its process: LokiJS ensureIndex under QueueGCManager.markSweep). Azure has no such cost.
    /// </summary>
    private static async Task<double> RawQueueSendRateAsync(string connection, int n)
    {
        n = Math.Min(n, 1_000);
        var queue = new QueueClient(connection, "rawsend" + Guid.NewGuid().ToString("N")[..8]);
        await queue.CreateIfNotExistsAsync();
        // Warm-up at the measured concurrency (not timed): connections opened, the client's code compiled.
        await Parallel.ForEachAsync(Enumerable.Range(0, Math.Min(n, 100)), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, ct) => await queue.SendMessageAsync($"{{\"attempt\":\"warm.{i}\"}}", ct));
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
            .Where(e => e.RowKey.StartsWith('+') && e.GetString("History") is { Length: > 0 })
            .SelectMany(e => JsonNode.Parse(e.GetString("History"))!.AsArray())
            .Select(a => DateTimeOffset.FromUnixTimeMilliseconds(a!["s"]!.GetValue<long>()))
            .ToList();

    /// <summary>
    /// Retries due one minute after a no-answer: p50/p99 of (dial time - due time). A smoke run makes them due at once
    /// (a 0-minute interval the API refuses, written directly), so it takes seconds.
    /// </summary>
    public static async Task TimerLatenessAsync(string connection)
    {
        var n = Sizes.Pick(200, 20);
        var retryMinutes = Sizes.Pick(1, 0);
        var (app, client, prefix, tap) = await StartAppAsync(connection, new()
        {
            ["Simulator:CallSeconds"] = "0",
            ["Engine:MaxCallsInProgress"] = "400",
        }, events: true);
        var id = Sizes.Smoke
            ? await CreateDirectAsync(app, await AccountAsync(app, client), n, retryMinutes, "no_answer")
            : await CreateCampaignAsync(client, CampaignJson(n, "no_answer"));
        await StartCampaignAsync(client, id);
        while ((await GetAsync(client, id))["status"]!.GetValue<string>() != "completed")
            await Task.Delay(ProgressPoll);

        var table = new TableServiceClient(connection).GetTableClient(prefix + "contacts");
        // Each contact row keeps its attempts (History): the second attempt's start against the first's end + 1 minute.
        var lateness = table.Query<TableEntity>(e => e.PartitionKey.CompareTo(id) > 0 && e.PartitionKey.CompareTo(id + "~~") < 0)
            .Where(e => e.RowKey.StartsWith('+') && e.GetString("History") is { Length: > 0 })
            .Select(e => JsonNode.Parse(e.GetString("History"))!.AsArray())
            .Where(h => h.Count >= 2)
            .Select(h => (double)(h[1]!["s"]!.GetValue<long>() - (h[0]!["e"]!.GetValue<long>() + retryMinutes * 60_000)))
            .Order().ToList();
        await tap!.ReportAsync(app.Services.GetRequiredService<EventStreamStore>(), [id], DrainWait);
        Console.WriteLine($"  {Health(app)}");
        Console.WriteLine($"timer_lateness ({lateness.Count} retries due {retryMinutes} min after a no-answer): p50 {Percentile(lateness, 0.5) / 1000:F2} s, " +
                          $"p99 {Percentile(lateness, 0.99) / 1000:F2} s, max {lateness[^1] / 1000:F2} s (target p99 < 2 s)");
        await StopAppAsync(app, client, connection, prefix, tap);
    }

    /// <summary>
    /// One wake-up that finds 1,000 contacts due, in a 2,000-contact and in a 200,000-contact campaign. The benchmark
    /// wakes the campaigns itself; the host drives only the event relay (every other trigger disabled), so the events flow as in production
    /// while no timer of the engine runs beside the measured wake-ups.
    /// </summary>
    public static async Task WakeUpCostAsync(string connection)
    {
        var (due, smallSize, largeSize) = (Sizes.Pick(1_000, 100), Sizes.Pick(2_000, 200), Sizes.Pick(200_000, 2_000));
        var (app, client, prefix, tap) = await StartAppAsync(connection, new Dictionary<string, string?>
        {
            ["Simulator:CallSeconds"] = "3600",
            ["Engine:MaxCallsInProgress"] = due.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }.WithTriggersOff(except: "EventRelay"), events: true);
        var engine = app.Services.GetRequiredService<CampaignEngine>();
        var counter = app.Services.GetRequiredService<StorageRequestCounter>();
        var account = await AccountAsync(app, client);

        // Both campaigns live in the same tables, created before either wakes: the emulator scans whole tables on
        // every query, so only this way do the two wake-ups see the same storage and differ by campaign size alone.
        var smallId = await CreateCampaignAsync(client, CampaignJson(smallSize));
        var largeId = await CreateDirectAsync(app, account, largeSize);
        var options = app.Services.GetRequiredService<EngineOptions>();
        foreach (var id in new[] { smallId, largeId })
            await StartCampaignAsync(client, id);

        async Task<(double Ms, long Requests)> WakeAsync(string id, int expectedMade)
        {
            var before = counter.ByScope.GetValueOrDefault("wakeup");
            var watch = Stopwatch.StartNew();
            using (StorageRequestCounter.Scope("wakeup"))
                await engine.LookAsync(account, id, CancellationToken.None);
            var ms = watch.Elapsed.TotalMilliseconds;
            var requests = counter.ByScope.GetValueOrDefault("wakeup") - before;
            var made = (await GetAsync(client, id))["calls_made"]!.GetValue<int>();
            if (made != expectedMade)
                throw new InvalidOperationException($"expected {expectedMade} dials, saw {made}");
            return (ms, requests);
        }

        // Each round lets 1,000 more calls be in progress, so each wake-up finds exactly 1,000 contacts to dial.
        for (var round = 1; round <= 2; round++)
        {
            options.MaxCallsInProgress = due * round;
            var small = await WakeAsync(smallId, due * round);
            var large = await WakeAsync(largeId, due * round);
            Console.WriteLine($"wakeup_cost round {round} ({due:N0} due): {smallSize:N0}-contact campaign {small.Ms:F0} ms / {small.Requests} storage requests; " +
                              $"{largeSize:N0}-contact campaign {large.Ms:F0} ms / {large.Requests} storage requests; time ratio {large.Ms / small.Ms:F2}, " +
                              $"request ratio {(double)large.Requests / small.Requests:F2} (target <= 1.5)");
        }
        await tap!.ReportAsync(app.Services.GetRequiredService<EventStreamStore>(), [smallId, largeId], DrainWait);
        Console.WriteLine($"  {Health(app)}");
        await StopAppAsync(app, client, connection, prefix, tap);
    }

    /// <summary>Storage requests per dialed attempt over a whole 1,000-contact campaign (retries included), polling, the relay and event delivery included.</summary>
    public static async Task TransactionsPerAttemptAsync(string connection)
    {
        var n = Sizes.Pick(1000, 100);
        var (app, client, prefix, tap) = await StartAppAsync(connection, new()
        {
            ["Simulator:CallSeconds"] = "1", // results come back through the outcomes queue, as real calls' do
            ["Engine:MaxCallsInProgress"] = "50",
        }, events: true);
        var counter = app.Services.GetRequiredService<StorageRequestCounter>();
        // A smoke run answers every call (no retry a minute later), so it takes seconds.
        var id = await CreateCampaignAsync(client, CampaignJson(n, Sizes.Smoke ? "interested" : null));
        var before = counter.Requests;
        var hostBefore = app.Host.StorageRequests!.Requests;
        var watch = Stopwatch.StartNew();
        await StartCampaignAsync(client, id);
        JsonNode campaign;
        var reads = 0;
        while ((campaign = await GetAsync(client, id))["status"]!.GetValue<string>() != "completed" || campaign["calls_made"]!.GetValue<int>() < n)
        {
            reads++;
            await Task.Delay(ProgressPoll);
        }
        var elapsed = watch.Elapsed.TotalSeconds;
        await tap!.ReportAsync(app.Services.GetRequiredService<EventStreamStore>(), [id], DrainWait);
        // Minus the benchmark's own progress reads: the campaign row and two counter rows per shard, each GET.
        var used = counter.Requests - before - (reads + 1) * (1L + 2 * ContactSharding.ShardCountFor(n));
        var attempts = campaign["calls_made"]!.GetValue<int>();
        var hostUsed = app.Host.StorageRequests!.Requests - hostBefore;
        var all = used + hostUsed;
        // The simulator's results travel on a storage queue (sent by the app, received and deleted by the host); a real
        // provider reports over HTTP, which costs no storage request for the transport. Shown apart, never hidden.
        static long OnOutcomes(IReadOnlyDictionary<string, long> kinds) => kinds.Where(k => k.Key.Contains("-call-outcomes")).Sum(k => k.Value);
        var transport = OnOutcomes(counter.ByKind) + OnOutcomes(app.Host.StorageRequests!.ByKind);
        Console.WriteLine($"transactions_per_attempt: {all} storage requests for {attempts} attempts in {elapsed:F1} s = " +
                          $"{(double)all / attempts:F2} per attempt (target <= 8; the app's {used} and the host's {hostUsed}: its queue polling and " +
                          $"the Durable task hub's history, instances, control and work-item queues and leases; the relay and event delivery to a " +
                          $"webhook and the broker until the last event arrived; simulator outcomes drawn: {campaign["disposition_summary"]})");
        Console.WriteLine($"  without the simulator's result transport ({transport} requests on the call-outcomes queue since the app started; a real " +
                          $"provider's result comes over HTTP): {(double)(all - transport) / attempts:F2} per attempt");
        Console.WriteLine($"  by scope: {ScopeBreakdown(app, counter.Requests - before)}; {Health(app)}");
        Console.WriteLine($"  host: {HostBreakdown(app)}");
        Console.WriteLine($"  engine: {app.Services.GetRequiredService<EngineMetrics>()}");
        foreach (var (kind, count) in counter.ByKind.OrderByDescending(k => k.Value).Take(12))
            Console.WriteLine($"    {count,7}  {kind}");
        await StopAppAsync(app, client, connection, prefix, tap);
    }
}
