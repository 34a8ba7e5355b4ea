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
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _byScope = new();
    private static readonly AsyncLocal<string?> CurrentScope = new();

    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Requests by method and resource (table, queue or container, without keys), for a breakdown of the cost.</summary>
    public IReadOnlyDictionary<string, long> ByKind => _byKind;

    /// <summary>Requests made inside each <see cref="Scope"/> (for example the relay's), to tell what one part of the app costs.</summary>
    public IReadOnlyDictionary<string, long> ByScope => _byScope;

    /// <summary>Counts the requests of the code that runs until the result is disposed (and what it awaits) under <paramref name="name"/>.</summary>
    public static IDisposable Scope(string name)
    {
        var outer = CurrentScope.Value;
        CurrentScope.Value = name;
        return new Restore(outer);
    }

    private sealed class Restore(string? outer) : IDisposable
    {
        public void Dispose() => CurrentScope.Value = outer;
    }

    public override void OnSendingRequest(HttpMessage message)
    {
        Interlocked.Increment(ref _requests);
        if (CurrentScope.Value is { } scope)
            _byScope.AddOrUpdate(scope, 1, (_, n) => n + 1);
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
