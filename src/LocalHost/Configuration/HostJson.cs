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

    /// <summary>
    /// Reads host.json, then applies the app settings named <c>AzureFunctionsJobHost__{path}</c> (or with ':'), which
    /// override any host.json value in the Functions host too (for example
    /// <c>AzureFunctionsJobHost__extensions__durableTask__storageProvider__maxQueuePollingInterval</c>). A setting's value
    /// becomes a number or a boolean when it reads as one, a string otherwise.
    /// </summary>
    public static HostJson Load(string path, IReadOnlyDictionary<string, string>? settings = null)
    {
        var root = (File.Exists(path)
            ? JsonNode.Parse(File.ReadAllText(path), documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true })
            : null) as JsonObject ?? new JsonObject();
        var overridden = ApplyOverrides(root, settings ?? new Dictionary<string, string>());
        if (!File.Exists(path) && !overridden)
            return Default;
        var timeout = root["functionTimeout"]?.GetValue<string>() is { } t ? ParseTimeSpan(t) : DefaultFunctionTimeout;
        var prefix = root["extensions"]?["http"]?["routePrefix"]?.GetValue<string>() ?? "api";
        return new HostJson(timeout, prefix.Trim('/'), QueueSettings.From(root["extensions"]?["queues"]),
            DurableTaskSettings.From(root["extensions"]?["durableTask"]));
    }

    internal static TimeSpan ParseTimeSpan(string text) => TimeSpan.Parse(text, CultureInfo.InvariantCulture);

    private const string OverridePrefix = "AzureFunctionsJobHost";

    private static bool ApplyOverrides(JsonObject root, IReadOnlyDictionary<string, string> settings)
    {
        var any = false;
        foreach (var (key, value) in settings)
        {
            var path = key.Replace(":", "__").Split("__");
            if (path.Length < 2 || !path[0].Equals(OverridePrefix, StringComparison.OrdinalIgnoreCase))
                continue;
            var node = root;
            foreach (var name in path[1..^1])
                node = Child(node, name);
            node[Existing(node, path[^1])] = Typed(value);
            any = true;
        }
        return any;
    }

    /// <summary>The object under <paramref name="name"/>, matched without regard to case as the host's configuration does; made if missing.</summary>
    private static JsonObject Child(JsonObject node, string name)
    {
        var key = Existing(node, name);
        if (node[key] is JsonObject child)
            return child;
        var made = new JsonObject();
        node[key] = made;
        return made;
    }

    private static string Existing(JsonObject node, string name) =>
        node.Select(p => p.Key).FirstOrDefault(k => k.Equals(name, StringComparison.OrdinalIgnoreCase)) ?? name;

    /// <summary>Parsed as JSON when it is a number or a boolean (so the readers' GetValue&lt;int&gt; works), a string otherwise.</summary>
    private static JsonNode Typed(string value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _) ? JsonNode.Parse(value)!
        : bool.TryParse(value, out var flag) ? JsonNode.Parse(flag ? "true" : "false")!
        : JsonValue.Create(value);
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
