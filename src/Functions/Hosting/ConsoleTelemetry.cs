using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Campaigns.Functions.Hosting;

/// <summary>
/// Telemetry for a developer's console (<c>Telemetry__Console</c>): each finished span and, every minute, each metric,
/// as one log line of the <c>Campaigns.Telemetry</c> category. Logs are what the Functions host shows of a worker (they
/// travel to it over the worker protocol, as Azure's host and Core Tools show them), where OpenTelemetry's own console
/// exporter would write many lines per span to the worker's standard output.
/// </summary>
internal static partial class ConsoleTelemetry
{
    public const string Category = "Campaigns.Telemetry";

    public static BaseProcessor<Activity> Spans(IServiceProvider services) =>
        new SimpleActivityExportProcessor(new SpanLines(services.GetRequiredService<ILoggerFactory>().CreateLogger(Category)));

    public static MetricReader Metrics(IServiceProvider services) =>
        new PeriodicExportingMetricReader(new MetricLines(services.GetRequiredService<ILoggerFactory>().CreateLogger(Category)), exportIntervalMilliseconds: 60_000);

    private sealed class SpanLines(ILogger logger) : BaseExporter<Activity>
    {
        public override ExportResult Export(in Batch<Activity> batch)
        {
            foreach (var span in batch)
            {
                LogSpan(logger, span.DisplayName, span.Kind.ToString(), span.Duration.TotalMilliseconds, span.TraceId.ToHexString(), span.SpanId.ToHexString(),
                    span.ParentSpanId == default ? "-" : span.ParentSpanId.ToHexString(), span.Status.ToString());
            }
            return ExportResult.Success;
        }
    }

    private sealed class MetricLines(ILogger logger) : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch)
        {
            foreach (var metric in batch)
            {
                foreach (ref readonly var point in metric.GetMetricPoints())
                {
                    var tags = new List<string>();
                    foreach (var tag in point.Tags)
                        tags.Add($"{tag.Key}={tag.Value}");
                    var value = metric.MetricType switch
                    {
                        MetricType.LongSum or MetricType.LongSumNonMonotonic => point.GetSumLong().ToString(System.Globalization.CultureInfo.InvariantCulture),
                        MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic => point.GetSumDouble().ToString("0.###", System.Globalization.CultureInfo.InvariantCulture),
                        MetricType.Histogram => $"count {point.GetHistogramCount()}, sum {point.GetHistogramSum().ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)}",
                        _ => metric.MetricType.ToString(),
                    };
                    LogMetric(logger, metric.Name, value, metric.Unit ?? "", string.Join(", ", tags));
                }
            }
            return ExportResult.Success;
        }
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "span {Name} ({Kind}) {Milliseconds:0.0} ms trace {TraceId} span {SpanId} parent {ParentSpanId} {Status}")]
    private static partial void LogSpan(ILogger logger, string name, string kind, double milliseconds, string traceId, string spanId, string parentSpanId, string status);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Information, Message = "metric {Name} = {Value} {Unit} {Tags}")]
    private static partial void LogMetric(ILogger logger, string name, string value, string unit, string tags);
}
