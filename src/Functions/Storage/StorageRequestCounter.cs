using Azure.Core;
using Azure.Core.Pipeline;

namespace Campaigns.Functions.Storage;

/// <summary>
/// Counts every HTTP request the app sends to Azure Storage (tables, queues and blobs), retries included: what a
/// pay-per-use tenant is billed for as transactions. An Azure SDK pipeline policy, added to every storage client.
/// </summary>
internal sealed class StorageRequestCounter : HttpPipelineSynchronousPolicy
{
    private long _requests;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _byKind = new();

    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Requests by method and resource (table, queue or container, without keys), for a breakdown of the cost.</summary>
    public IReadOnlyDictionary<string, long> ByKind => _byKind;

    public override void OnSendingRequest(HttpMessage message)
    {
        Interlocked.Increment(ref _requests);
        var path = message.Request.Uri.Path;
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var resource = segments.Length > 1 ? segments[1] : path;
        var paren = resource.IndexOf('(');
        if (paren > 0)
            resource = resource[..paren] + (resource.EndsWith("()", StringComparison.Ordinal) ? " query" : " point");
        else if (segments.Length > 2)
            resource += "/" + (segments[2] == "messages" ? "messages" + (segments.Length > 3 ? "/id" : "") : "blob");
        _byKind.AddOrUpdate($"{message.Request.Method} {resource}", 1, (_, n) => n + 1);
    }
}
