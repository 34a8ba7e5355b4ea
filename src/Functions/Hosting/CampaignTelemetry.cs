using System.Diagnostics.Metrics;
using Azure.Monitor.OpenTelemetry.Exporter;
using NodaTime;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;

namespace Campaigns.Functions.Hosting;

/// <summary>
/// The metrics a campaign operator watches, on the <c>Campaigns</c> meter. Counted where the fact is committed (a
/// call placed with the provider, a result or an abandonment written), so a transaction retried after a conflict
/// counts once. No instrument carries a campaign id, a phone number or an account key: series stay few, and the exact
/// per-campaign figures are the API's counters (<c>calls_made</c>, <c>calls_connected</c>, the disposition summary).
/// </summary>
internal sealed class CampaignTelemetry
{
    public const string Name = "Campaigns";

    private readonly Counter<long> _callsStarted;
    private readonly Counter<long> _callsConnected;
    private readonly Counter<long> _callsAbandoned;
    private readonly Histogram<double> _retryLateness;
    private readonly Histogram<double> _outboxAge;
    private readonly Counter<long> _webhookFailures;

    public CampaignTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _callsStarted = meter.CreateCounter<long>("campaigns.calls.started", "{call}", "Calls handed to the voice agent");
        _callsConnected = meter.CreateCounter<long>("campaigns.calls.connected", "{call}", "Results recorded as answered");
        _callsAbandoned = meter.CreateCounter<long>("campaigns.calls.abandoned", "{call}", "Answered calls that waited past max_wait_time for an agent slot");
        _retryLateness = meter.CreateHistogram<double>("campaigns.retry.lateness", "s", "How long after its due time a retry was dialed");
        _outboxAge = meter.CreateHistogram<double>("campaigns.outbox.age", "s", "How old an outbox row was when the relay moved it to its stream");
        _webhookFailures = meter.CreateCounter<long>("campaigns.webhook.failures", "{attempt}", "Webhook deliveries that failed (retried, or given up after 24 h)");
    }

    public void CallStarted() => _callsStarted.Add(1);

    public void CallsConnected(int count)
    {
        if (count > 0)
            _callsConnected.Add(count);
    }

    public void CallAbandoned() => _callsAbandoned.Add(1);

    public void RetryLateness(Duration late) => _retryLateness.Record(Math.Max(0, late.TotalSeconds));

    public void OutboxAge(Duration age) => _outboxAge.Record(Math.Max(0, age.TotalSeconds));

    public void WebhookFailed(bool gaveUp) => _webhookFailures.Add(1, new KeyValuePair<string, object?>("gave_up", gaveUp));
}

/// <summary>
/// OpenTelemetry for the worker: the Functions worker's own invocation spans (their parent is the host's span, sent
/// in each invocation's trace context, so one trace runs across host and worker), the app's spans and the
/// <see cref="CampaignTelemetry"/> metrics. Exported to Application Insights when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c>
/// is set, authenticated with the managed identity named in <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c>
/// (<c>Authorization=AAD;ClientId=...</c>; the template turns the resource's local auth off); otherwise to the console
/// when <c>Telemetry__Console</c> is true, as log lines the host shows (<see cref="ConsoleTelemetry"/>; ./run.sh sets
/// it; tests leave it off to keep their output readable).
/// host.json's <c>telemetryMode: OpenTelemetry</c> makes the Functions host in Azure emit its side the same way.
/// </summary>
internal static class TelemetrySetup
{
    public static IServiceCollection AddCampaignTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var telemetry = services.AddOpenTelemetry().UseFunctionsWorkerDefaults()
            .WithTracing(tracing => tracing.AddSource(CampaignTelemetry.Name))
            .WithMetrics(metrics => metrics.AddMeter(CampaignTelemetry.Name));
        if (configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"] is { Length: > 0 } connectionString)
        {
            var clientId = ClientIdOf(configuration["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
            telemetry.UseAzureMonitorExporter(options =>
            {
                options.ConnectionString = connectionString;
                if (clientId is not null)
                    options.Credential = AzureCredentials.For(AzureCredentials.ManagedIdentity, clientId);
            });
        }
        else if (configuration.GetValue("Telemetry:Console", false))
        {
            telemetry.WithTracing(tracing => tracing.AddProcessor(ConsoleTelemetry.Spans))
                .WithMetrics(metrics => metrics.AddReader(ConsoleTelemetry.Metrics));
        }
        return services;
    }

    /// <summary>The client id in an <c>Authorization=AAD;ClientId=...</c> string, or null (no Entra authentication).</summary>
    internal static string? ClientIdOf(string? authentication)
    {
        if (string.IsNullOrWhiteSpace(authentication))
            return null;
        var parts = authentication.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        return parts.TryGetValue("Authorization", out var auth) && auth.Equals("AAD", StringComparison.OrdinalIgnoreCase)
            && parts.TryGetValue("ClientId", out var id) && id.Length > 0 ? id : null;
    }
}
