using System.Diagnostics;
using System.Text.Json.Nodes;
using Campaigns.Functions.Integration.Events;
using Campaigns.Functions.Storage;
using Microsoft.Extensions.DependencyInjection;
using static BenchApp;

/// <summary>
/// What the outbox relay costs per event, for a 2,000-contact and a 200,000-contact campaign that each dial 2,000 calls
/// (calls last an hour, so each campaign's events are its created, started and 2,000 call.started). Each campaign runs
/// in an app of its own whose relay trigger is off while it dials (<c>AzureWebJobs.EventRelay.Disabled</c>): once the
/// 2,000 calls are placed, the benchmark runs relay passes itself until the campaign's outbox index is empty. So both
/// campaigns give the relay the same events in the same shape, and the figures (outbox rows read and storage requests
/// of relay passes per relayed event) differ only by what the campaign's size costs the relay. Letting the trigger run
/// instead makes the figure follow the engine's pace: a slower dial spreads the same events over more passes, each with
/// its fixed reads (that is how an earlier run read 2.27 for requests, with 7 passes against 2). A relay that read the
/// campaign (every contact row, as the first design did) would cost about 100 times more per event for the large one.
/// </summary>
internal static class RelayBenchmark
{
    public static async Task RunAsync(string connection)
    {
        var dials = Sizes.Pick(2_000, 200);
        var small = await MeasureAsync(connection, Sizes.Pick(2_000, 200), dials);
        var large = await MeasureAsync(connection, Sizes.Pick(200_000, 2_000), dials);
        Console.WriteLine($"relay_cost per relayed event: outbox rows read {small.RowsPerEvent:F3} vs {large.RowsPerEvent:F3} (ratio {large.RowsPerEvent / small.RowsPerEvent:F2}), " +
                          $"storage requests {small.RequestsPerEvent:F3} vs {large.RequestsPerEvent:F3} (ratio {large.RequestsPerEvent / small.RequestsPerEvent:F2}) " +
                          "(target ratio <= 1.5)");
    }

    private sealed record Cost(double RowsPerEvent, double RequestsPerEvent);

    private static async Task<Cost> MeasureAsync(string connection, int contacts, int dials)
    {
        var (app, client, prefix, tap) = await StartAppAsync(connection, new Dictionary<string, string?>
        {
            ["Simulator:CallSeconds"] = "3600",
            ["Engine:MaxCallsInProgress"] = dials.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AzureWebJobs.EventRelay.Disabled"] = "true",
            ["AzureWebJobs.CampaignSweep.Disabled"] = "true",
        }, events: true);
        var account = await AccountAsync(app, client);
        var watch = Stopwatch.StartNew();
        var id = contacts <= 100_000 ? await CreateCampaignAsync(client, CampaignJson(contacts)) : await CreateDirectAsync(app, account, contacts);
        Console.WriteLine($"  relay_cost: {contacts:N0}-contact campaign created in {watch.Elapsed.TotalSeconds:F1} s ({ContactSharding.ShardCountFor(contacts)} shards)");
        await StartCampaignAsync(client, id);

        watch.Restart();
        while ((await GetCampaignAsync(client, id))["calls_made"]!.GetValue<int>() < dials)
        {
            if (watch.Elapsed > TimeSpan.FromMinutes(5))
                throw new InvalidOperationException($"{contacts:N0}-contact campaign: {dials} calls not placed in 5 minutes");
            await Task.Delay(ProgressPoll);
        }
        Console.WriteLine($"  relay_cost: {dials:N0} calls placed in {watch.Elapsed.TotalSeconds:F1} s; relaying");
        var options = app.Services.GetRequiredService<EventsOptions>();
        await Task.Delay(TimeSpan.FromSeconds(options.SettleSeconds + 1)); // every row old enough to go in one pass
        var relay = app.Services.GetRequiredService<EventRelay>();
        var index = app.Services.GetRequiredService<OutboxIndex>();
        for (var pass = 0; (await index.ReadAsync(id, CancellationToken.None)).Count > 0; pass++)
        {
            if (pass == 20)
                throw new InvalidOperationException($"{contacts:N0}-contact campaign: the outbox is not empty after 20 passes");
            await relay.RelayAsync(account, id, CancellationToken.None);
            await Task.Delay(TimeSpan.FromSeconds(options.MarkReuseSeconds + options.SettleSeconds)); // emptied marks are cleared once this old
        }
        var metrics = app.Services.GetRequiredService<RelayMetrics>();
        var requests = app.Services.GetRequiredService<StorageRequestCounter>().ByScope.GetValueOrDefault("relay");
        var events = Interlocked.Read(ref metrics.EventsRelayed);
        var rows = Interlocked.Read(ref metrics.OutboxRowsRead);
        Console.WriteLine($"  relay_cost: {contacts:N0} contacts, {dials:N0} dials: {events:N0} events relayed in {Interlocked.Read(ref metrics.Passes)} passes, " +
                          $"{rows} outbox rows and {Interlocked.Read(ref metrics.MarksRead)} index marks read, {requests} storage requests " +
                          $"= {(double)rows / events:F3} rows and {(double)requests / events:F3} requests per event");
        Console.WriteLine($"    {Health(app)}");
        await StopAppAsync(app, client, connection, prefix, tap);
        return new Cost((double)rows / events, (double)requests / events);
    }

    private static async Task<JsonNode> GetCampaignAsync(HttpClient client, string id) =>
        JsonNode.Parse(await client.GetStringAsync($"/v1/campaigns/{id}"))!;
}
