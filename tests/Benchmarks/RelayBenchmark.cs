using System.Diagnostics;
using Campaigns.Functions.Integration.Events;
using Campaigns.Functions.Storage;
using Microsoft.Extensions.DependencyInjection;
using static BenchApp;

/// <summary>
/// What the outbox relay costs per event, for a 2,000-contact and a 200,000-contact campaign that each dial 2,000 calls
/// (calls last an hour, so each campaign's events are its created, started and 2,000 call.started). Each campaign runs
/// in an app of its own with events on, so each app's relay counters are that campaign's alone: outbox rows read and
/// storage requests of relay passes per relayed event. A relay that read the campaign (every contact row, as the first
/// design did) would cost about 100 times more per event for the large one.
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
        var (app, client, prefix, tap) = await StartAppAsync(connection, new()
        {
            ["Simulator:CallSeconds"] = "3600",
            ["Engine:MaxCallsInProgress"] = dials.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, events: true);
        var account = await AccountAsync(app, client);
        var watch = Stopwatch.StartNew();
        var id = contacts <= 100_000 ? await CreateCampaignAsync(client, CampaignJson(contacts)) : await CreateDirectAsync(app, account, contacts);
        Console.WriteLine($"  relay_cost: {contacts:N0}-contact campaign created in {watch.Elapsed.TotalSeconds:F1} s ({ContactSharding.ShardCountFor(contacts)} shards)");
        await StartCampaignAsync(client, id);

        var streams = app.Services.GetRequiredService<EventStreamStore>();
        var expected = dials + 2;
        watch.Restart();
        while ((await streams.ReadCursorAsync(id, EventRelay.BrokerDestination, CancellationToken.None)).Delivered < expected)
        {
            if (watch.Elapsed > TimeSpan.FromMinutes(5))
                throw new InvalidOperationException($"{contacts:N0}-contact campaign: the broker did not get {expected} events in 5 minutes");
            await Task.Delay(ProgressPoll);
        }
        var metrics = app.Services.GetRequiredService<RelayMetrics>();
        var requests = app.Services.GetRequiredService<StorageRequestCounter>().ByScope.GetValueOrDefault("relay");
        var events = Interlocked.Read(ref metrics.EventsRelayed);
        var rows = Interlocked.Read(ref metrics.OutboxRowsRead);
        Console.WriteLine($"  relay_cost: {contacts:N0} contacts, {dials:N0} dials: {events:N0} events relayed in {Interlocked.Read(ref metrics.Passes)} passes, " +
                          $"{rows} outbox rows and {Interlocked.Read(ref metrics.MarksRead)} index marks read, {requests} storage requests " +
                          $"= {(double)rows / events:F3} rows and {(double)requests / events:F3} requests per event");
        await tap!.ReportAsync(streams, [id], TimeSpan.FromSeconds(30), "    ");
        Console.WriteLine($"    {Health(app)}");
        await StopAppAsync(app, client, connection, prefix, tap);
        return new Cost((double)rows / events, (double)requests / events);
    }
}
