using Azure.Core;
using Azure.Core.Pipeline;

namespace Campaigns.LocalHost;

/// <summary>
/// Counts the storage requests the host itself sends (its queue listeners' polling and the Durable task hub's queues,
/// tables and lease blobs), retries included: what a pay-per-use tenant is billed for beside the app's own requests.
/// An Azure SDK pipeline policy; benchmarks give one to the host (<see cref="FunctionsHostOptions.StorageRequests"/>).
/// </summary>
public sealed class StorageRequestTally : HttpPipelinePolicy
{
    private long _requests;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _byKind = new();

    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Requests by method and resource (queue, table or container; the task hub's control queues as one).</summary>
    public IReadOnlyDictionary<string, long> ByKind => _byKind;

    /// <summary>Adds this tally to a storage client's options.</summary>
    public T Apply<T>(T options) where T : ClientOptions
    {
        options.AddPolicy(this, HttpPipelinePosition.PerRetry);
        return options;
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message);
        return ProcessNextAsync(message, pipeline);
    }

    private void Count(HttpMessage message)
    {
        Interlocked.Increment(ref _requests);
        _byKind.AddOrUpdate(Kind(message.Request), 1, (_, n) => n + 1);
    }

    /// <summary>"GET hub-control-*": the method and the first path segment after the account (Azurite puts the account first).</summary>
    private static string Kind(Request request)
    {
        var segments = request.Uri.Path.Trim('/').Split('/');
        var resource = segments.Length > 1 ? segments[1] : segments[0];
        var paren = resource.IndexOf('(');
        if (paren > 0)
            resource = resource[..paren]; // a table entity's keys
        var control = resource.IndexOf("-control-", StringComparison.Ordinal);
        if (control > 0)
            resource = resource[..(control + 9)] + "*";
        return $"{request.Method} {resource}";
    }
}
