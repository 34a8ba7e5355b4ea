using System.Globalization;
using System.Text.Json.Nodes;

namespace Campaigns.LocalHost.Configuration;

/// <summary>
/// The parts of host.json this host honours, with the Functions host's defaults where the file is silent, so an app
/// behaves here as it will in Azure.
/// </summary>
public sealed record HostJson(TimeSpan FunctionTimeout, string RoutePrefix, QueueSettings Queues, DurableTaskSettings DurableTask)
{
    /// <summary>The Functions host's default for a dedicated plan; Consumption is shorter, so apps set their own.</summary>
    public static readonly TimeSpan DefaultFunctionTimeout = TimeSpan.FromMinutes(30);

    public static HostJson Default { get; } = new(DefaultFunctionTimeout, "api", QueueSettings.Default, DurableTaskSettings.Default);

    public static HostJson Load(string path)
    {
        if (!File.Exists(path))
            return Default;
        var root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true })
            ?? new JsonObject();
        var timeout = root["functionTimeout"]?.GetValue<string>() is { } t ? ParseTimeSpan(t) : DefaultFunctionTimeout;
        var prefix = root["extensions"]?["http"]?["routePrefix"]?.GetValue<string>() ?? "api";
        return new HostJson(timeout, prefix.Trim('/'), QueueSettings.From(root["extensions"]?["queues"]),
            DurableTaskSettings.From(root["extensions"]?["durableTask"]));
    }

    internal static TimeSpan ParseTimeSpan(string text) => TimeSpan.Parse(text, CultureInfo.InvariantCulture);
}

/// <summary>host.json <c>extensions.queues</c>; the blob trigger's retries use the same MaxDequeueCount, as in Azure.</summary>
public sealed record QueueSettings(
    int BatchSize, int NewBatchThreshold, TimeSpan MaxPollingInterval, TimeSpan VisibilityTimeout, int MaxDequeueCount, bool Base64)
{
    /// <summary>Where the Functions host starts its back-off after an empty poll.</summary>
    public static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);

    public static QueueSettings Default { get; } = new(16, 8, TimeSpan.FromMinutes(1), TimeSpan.Zero, 5, true);

    internal static QueueSettings From(JsonNode? queues)
    {
        if (queues is null)
            return Default;
        var batch = Math.Clamp(queues["batchSize"]?.GetValue<int>() ?? 16, 1, 32); // the Storage service's limit per receive
        var threshold = queues["newBatchThreshold"]?.GetValue<int>() is { } n and >= 0 ? n : batch / 2;
        var polling = queues["maxPollingInterval"]?.GetValue<string>() is { } p ? HostJson.ParseTimeSpan(p) : Default.MaxPollingInterval;
        var visibility = queues["visibilityTimeout"]?.GetValue<string>() is { } v ? HostJson.ParseTimeSpan(v) : TimeSpan.Zero;
        var dequeues = queues["maxDequeueCount"]?.GetValue<int>() ?? 5;
        var encoding = queues["messageEncoding"]?.GetValue<string>() ?? "base64";
        if (polling < MinPollingInterval)
            polling = MinPollingInterval;
        return new QueueSettings(batch, threshold, polling, visibility, Math.Max(1, dequeues),
            !string.Equals(encoding, "none", StringComparison.OrdinalIgnoreCase));
    }
}
