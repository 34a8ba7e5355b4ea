namespace Campaigns.Testing.ServiceBus.Entities;

/// <summary>
/// A link address as the SDK sends it, reduced to the node it names. The SDK sends paths with a leading slash
/// (<c>/results</c>), subscriptions as <c>topic/Subscriptions/name</c>, dead-letter queues with a
/// <c>/$DeadLetterQueue</c> suffix, management nodes with <c>/$management</c>, and the token node as <c>$cbs</c>;
/// a full URI (<c>sb://host/results</c>) names the same node. Service Bus entity names are case-insensitive.
/// </summary>
internal sealed record EntityAddress(string Path, bool IsManagement, bool IsCbs)
{
    public const string DeadLetterSuffix = "$DeadLetterQueue";
    private const string ManagementSuffix = "/$management";

    public static EntityAddress? Parse(string? address)
    {
        if (string.IsNullOrWhiteSpace(address))
            return null;

        var path = Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Scheme != "file" ? Uri.UnescapeDataString(uri.AbsolutePath) : address;
        path = path.Trim('/');
        if (path.Equals("$cbs", StringComparison.OrdinalIgnoreCase))
            return new EntityAddress(path, false, true);
        if (path.EndsWith(ManagementSuffix, StringComparison.OrdinalIgnoreCase))
            return new EntityAddress(path[..^ManagementSuffix.Length], true, false);
        return new EntityAddress(path, false, false);
    }

    /// <summary>The path as addressed, management suffix included: what a token's audience is compared with.</summary>
    public string PathWithManagement() => IsManagement ? Path + ManagementSuffix : Path;

    public static string DeadLetterPath(string entityPath) => entityPath + "/" + DeadLetterSuffix;

    public static string SubscriptionPath(string topic, string subscription) => topic + "/Subscriptions/" + subscription;

    /// <summary>Whether a token for <paramref name="audiencePath"/> covers <paramref name="path"/>: the same node or one under it.</summary>
    public static bool Covers(string audiencePath, string path) =>
        audiencePath.Length == 0
        || path.Equals(audiencePath, StringComparison.OrdinalIgnoreCase)
        || path.StartsWith(audiencePath + "/", StringComparison.OrdinalIgnoreCase);
}
