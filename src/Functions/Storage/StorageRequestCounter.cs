using Azure.Core;
using Azure.Core.Pipeline;

namespace Campaigns.Functions.Storage;

/// <summary>
/// Counts every HTTP request the app sends to Azure Storage (tables, queues and blobs), retries included: what a
/// pay-per-use tenant is billed for as transactions, and the ones that failed for the storage's sake (timeouts,
/// throttling, server errors), which say it is overloaded. An Azure SDK pipeline policy, added to every storage client.
/// </summary>
internal sealed class StorageRequestCounter : HttpPipelinePolicy
{
    private long _requests;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _byKind = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _byScope = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _failures = new();
    private static readonly AsyncLocal<string?> CurrentScope = new();

    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Requests by method and resource (table, queue or container, without keys), for a breakdown of the cost.</summary>
    public IReadOnlyDictionary<string, long> ByKind => _byKind;

    /// <summary>Requests made inside each <see cref="Scope"/> (for example the relay's), to tell what one part of the app costs.</summary>
    public IReadOnlyDictionary<string, long> ByScope => _byScope;

    /// <summary>Tries that storage did not answer in time (<c>timeout</c>) or answered 429 or 5xx (by status).</summary>
    public IReadOnlyDictionary<string, long> Failures => _failures;

    /// <summary>Tries that took longer than a second, by request kind: how many and the longest (seconds).</summary>
    public IReadOnlyDictionary<string, (long Count, double LongestSeconds)> Slow => _slow;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (long Count, double LongestSeconds)> _slow = new();

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

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message);
        try
        {
            ProcessNext(message, pipeline);
        }
        catch (OperationCanceledException) when (!message.CancellationToken.IsCancellationRequested)
        {
            _failures.AddOrUpdate("timeout", 1, (_, n) => n + 1);
            throw;
        }
        Check(message);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var kind = Count(message);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await ProcessNextAsync(message, pipeline);
        }
        catch (OperationCanceledException) when (!message.CancellationToken.IsCancellationRequested)
        {
            _failures.AddOrUpdate("timeout", 1, (_, n) => n + 1);
            throw;
        }
        finally
        {
            var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
            if (seconds > 1)
                _slow.AddOrUpdate(kind, (1, seconds), (_, s) => (s.Count + 1, Math.Max(s.LongestSeconds, seconds)));
        }
        Check(message);
    }

    private void Check(HttpMessage message)
    {
        if (message.HasResponse && message.Response.Status is 429 or >= 500)
            _failures.AddOrUpdate(message.Response.Status.ToString(System.Globalization.CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
    }

    private string Count(HttpMessage message)
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
        var kind = $"{message.Request.Method} {resource}";
        _byKind.AddOrUpdate(kind, 1, (_, n) => n + 1);
        return kind;
    }
}
