using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Campaigns.Functions.Hosting;

namespace Campaigns.Functions.Tests.Infrastructure;

/// <summary>
/// The <c>Campaigns</c> metrics of one app instance, as an exporter would see them: every measurement of its meter
/// (told apart from other apps in the test process by the meter factory that made it), summed and counted by name.
/// </summary>
public sealed class AppMetrics : IDisposable
{
    private readonly MeterListener _listener;
    private readonly ConcurrentDictionary<string, (double Sum, long Count)> _seen = new();

    private AppMetrics(IMeterFactory meters)
    {
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == CampaignTelemetry.Name && ReferenceEquals(instrument.Meter.Scope, meters))
                    listener.EnableMeasurementEvents(instrument);
            },
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => Add(instrument.Name, value));
        _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => Add(instrument.Name, value));
        _listener.Start();
    }

    public static AppMetrics Listen(AppFixture app) => new(app.Service<IMeterFactory>());

    /// <summary>The sum of the measurements of <paramref name="name"/> so far.</summary>
    public double Sum(string name) => _seen.TryGetValue(name, out var seen) ? seen.Sum : 0;

    /// <summary>How many measurements of <paramref name="name"/> were made so far.</summary>
    public long Count(string name) => _seen.TryGetValue(name, out var seen) ? seen.Count : 0;

    /// <summary>Waits until <paramref name="name"/> has summed to at least <paramref name="atLeast"/>.</summary>
    public Task<double> UntilSumAsync(string name, double atLeast) =>
        Eventually.UntilAsync(() => Task.FromResult(Sum(name)), sum => sum >= atLeast, $"{name} reaches {atLeast}");

    private void Add(string name, double value) => _seen.AddOrUpdate(name, (value, 1), (_, seen) => (seen.Sum + value, seen.Count + 1));

    public void Dispose() => _listener.Dispose();
}
