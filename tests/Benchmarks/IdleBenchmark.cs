using System.Diagnostics;
using System.Text;
using Campaigns.Functions.Engine;
using Campaigns.Functions.Storage;
using Campaigns.LocalHost;
using Microsoft.Extensions.DependencyInjection;
using static BenchApp;

/// <summary>
/// What sleeping campaigns cost while nothing is due: storage requests per hour of the app with 1,000 campaigns whose
/// orchestrations sleep on durable timers (scheduled a week ahead), against the same app with none, measured in the
/// same run. Everything is counted: the app's requests (the sweep), the host's queue polling and the Durable task hub's
/// (control and work-item queue polling, partition leases).
/// </summary>
internal static class IdleBenchmark
{
    public static async Task RunAsync(string connection)
    {
        var campaigns = int.TryParse(Environment.GetEnvironmentVariable("IDLE_CAMPAIGNS"), out var given) ? given : Sizes.Pick(1_000, 20);
        var window = TimeSpan.FromSeconds(Sizes.Pick(300, 20));
        var (app, client, prefix, _) = await StartAppAsync(connection, new() { ["Simulator:CallSeconds"] = "0" });
        await Task.Delay(TimeSpan.FromSeconds(Sizes.Pick(30, 5))); // listeners and partition leases settle after the start
        var empty = await MeasureAsync(app, window);
        Console.WriteLine($"    empty app: {empty.PerHour:F0} requests/h (app {empty.AppPerHour:F0}, host {empty.HostPerHour:F0}); host: {empty.Kinds}");

        // Each campaign, scheduled a week ahead, gets its orchestration, which looks once and sleeps on a durable timer.
        var metrics = app.Services.GetRequiredService<EngineMetrics>();
        var watch = Stopwatch.StartNew();
        var start = DateTime.UtcNow.AddDays(7);
        await Parallel.ForEachAsync(Enumerable.Range(0, campaigns), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, _) => await CreateCampaignAsync(client, ScheduledJson(i, start)));
        while (Interlocked.Read(ref metrics.Looks) < campaigns)
        {
            if (watch.Elapsed > TimeSpan.FromMinutes(10))
                throw new InvalidOperationException($"only {metrics.Looks} of {campaigns} orchestrations looked within 10 minutes");
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        Console.WriteLine($"    {campaigns} campaigns created and their orchestrations asleep in {watch.Elapsed.TotalSeconds:F0} s; engine: {metrics}");
        await Task.Delay(TimeSpan.FromSeconds(Sizes.Pick(30, 5))); // the last episodes and queue messages drain
        var looksBefore = Interlocked.Read(ref metrics.Looks);
        var sleeping = await MeasureAsync(app, window);
        Console.WriteLine($"    host: {sleeping.Kinds}");
        Console.WriteLine($"    app: {sleeping.AppKinds}");
        Console.WriteLine($"    looks during the window: {Interlocked.Read(ref metrics.Looks) - looksBefore} (none is due); {Health(app)}");
        Console.WriteLine($"idle_cost: {campaigns:N0} sleeping campaigns {sleeping.PerHour:F0} storage requests/h (app {sleeping.AppPerHour:F0}, host and " +
                          $"task hub {sleeping.HostPerHour:F0}) against {empty.PerHour:F0}/h for the same app with none, measured over {window.TotalSeconds:F0} s each: " +
                          $"ratio {sleeping.PerHour / empty.PerHour:F2}, {(sleeping.PerHour - empty.PerHour) / campaigns:F2} requests per sleeping campaign-hour " +
                          "(the app's part is its minute sweep, the host's its queue polling at host.json's 1 s; no target beyond reporting it)");
        await StopAppAsync(app, client, connection, prefix);
    }

    private sealed record Rate(double AppPerHour, double HostPerHour, string Kinds, string AppKinds)
    {
        public double PerHour => AppPerHour + HostPerHour;
    }

    private static async Task<Rate> MeasureAsync(Campaigns.Functions.Tests.Infrastructure.InProcessFunctionsApp app, TimeSpan window)
    {
        var counter = app.Services.GetRequiredService<StorageRequestCounter>();
        var tally = app.Host.StorageRequests!;
        var (appBefore, hostBefore, kindsBefore, appKindsBefore) = (counter.Requests, tally.Requests, tally.ByKind.ToDictionary(), counter.ByKind.ToDictionary());
        var watch = Stopwatch.StartNew();
        await Task.Delay(window);
        var hours = watch.Elapsed.TotalHours;
        string Top(IReadOnlyDictionary<string, long> now, Dictionary<string, long> before) => string.Join(", ", now
            .Select(k => (k.Key, Count: k.Value - before.GetValueOrDefault(k.Key))).Where(k => k.Count > 0).OrderByDescending(k => k.Count).Take(8)
            .Select(k => $"{k.Count / hours:F0}/h {k.Key}"));
        return new Rate((counter.Requests - appBefore) / hours, (tally.Requests - hostBefore) / hours, Top(tally.ByKind, kindsBefore), Top(counter.ByKind, appKindsBefore));
    }

    private static string ScheduledJson(int i, DateTime start) =>
        new StringBuilder("{\"name\":\"Sleeping ").Append(i).Append("\",\"script_id\":\"scr_1\",\"language\":\"en-US\",\"contacts\":[{\"phone\":\"")
            .Append(Phone(i)).Append("\",\"name\":\"Contact ").Append(i).Append("\"}],\"schedule\":{\"start_time\":\"")
            .Append(start.ToString("yyyy-MM-ddTHH:mm:ss")).Append("\",\"end_time\":\"").Append(start.AddDays(1).ToString("yyyy-MM-ddTHH:mm:ss"))
            .Append("\",\"timezone\":\"Etc/UTC\"}}").ToString();
}
