using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Queues;
using Campaigns.LocalHost.Grpc.Messages;
using Campaigns.LocalHost.Invocation;
using Campaigns.LocalHost.Worker;

namespace Campaigns.LocalHost.Triggers.Blobs;

/// <summary>
/// A blob trigger: scans its container, and hands each new blob version to the function once, guarded by a receipt
/// (<see cref="BlobReceipts"/>) so that a restarted host or a second host on the same account does not process it
/// again. A blob that fails <c>maxDequeueCount</c> times (host.json queues) is reported on the queue
/// <c>webjobs-blobtrigger-poison</c> and left alone, as the Functions host does.
/// </summary>
/// <remarks>
/// Both sources of the binding (<see cref="Source"/>) run by this scan. <c>LogsAndContainerScan</c>, the default, is
/// what the Functions host does itself. <c>EventGrid</c> (the only one Flex Consumption runs) means that in Azure the
/// storage account's BlobCreated events are pushed to the host's blobs webhook; Azurite has no Event Grid, so locally
/// the container is scanned instead. The function sees the same thing either way: each new blob, its name and
/// metadata, at least once.
/// </remarks>
public sealed partial class BlobTriggerListener : ITriggerListener
{
    public const string PoisonQueueName = "webjobs-blobtrigger-poison";

    /// <summary>The binding's default source: the Functions host finds new blobs itself.</summary>
    public const string ScanSource = "LogsAndContainerScan";

    /// <summary>The source under which, in Azure, Event Grid pushes BlobCreated events to the host.</summary>
    public const string EventGridSource = "EventGrid";

    private readonly FunctionDescriptor _function;
    private readonly TriggerContext _context;
    private readonly BlobPathPattern _path;
    private readonly BlobContainerClient _container;
    private readonly BlobReceipts _receipts;
    private readonly BlobContainerClient _hostContainer;
    private readonly QueueClient _poison;
    private readonly TimeSpan _scanInterval;
    private readonly ILogger _log;
    private int _completedScans;

    public BlobTriggerListener(FunctionDescriptor function, TriggerContext context, TimeSpan scanInterval)
    {
        _function = function;
        _context = context;
        _scanInterval = scanInterval;
        _path = new BlobPathPattern(context.Settings.Resolve(function.Property("path") ?? throw new InvalidDataException($"{function.Name}: blobTrigger without path")));
        Source = function.Property("source") is { Length: > 0 } source ? source : ScanSource;
        var connection = context.Settings.Connection(function.Property("connection"));
        _container = new BlobContainerClient(connection, _path.Container);
        // Receipts live with the host's other state, in AzureWebJobsStorage, whatever account the blobs are in.
        _hostContainer = new BlobContainerClient(context.Settings.Connection(null), "azure-webjobs-hosts");
        _receipts = new BlobReceipts(_hostContainer, context.Dispatcher.FunctionTimeout + TimeSpan.FromMinutes(1), context.Time);
        _poison = new QueueClient(context.Settings.Connection(null), PoisonQueueName, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        _log = context.Loggers.CreateLogger<BlobTriggerListener>();
    }

    public string FunctionName => _function.Name;

    /// <summary>The binding's source as the worker declared it (<see cref="ScanSource"/> or <see cref="EventGridSource"/>); either is run by a scan here.</summary>
    public string Source { get; }

    /// <summary>Full scans of the container finished so far: after one, every blob listed then has been handled.</summary>
    public int CompletedScans => Volatile.Read(ref _completedScans);

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        await _container.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
        await _hostContainer.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
        if (string.Equals(Source, ScanSource, StringComparison.OrdinalIgnoreCase))
            LogListening(_function.Name, _path.Container);
        else
            LogListeningInsteadOf(_function.Name, _path.Container, Source);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var blob in _container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, _path.Prefix, stoppingToken))
                {
                    if (_path.TryMatch(blob.Name, out var values))
                        await ProcessAsync(blob, values, stoppingToken);
                }
                Interlocked.Increment(ref _completedScans);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is RequestFailedException or HttpRequestException)
            {
                LogScanFailed(_path.Container, ex.Message);
            }
            try
            {
                await Task.Delay(_scanInterval, _context.Time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ProcessAsync(BlobItem blob, Dictionary<string, string> values, CancellationToken stoppingToken)
    {
        var receipt = _receipts.ReceiptFor(_context.HostId, _function.Name, blob.Properties.ETag, _container.Name, blob.Name);
        var claim = await _receipts.TryClaimAsync(receipt, stoppingToken);
        if (claim is null)
            return;
        var source = _container.GetBlobClient(blob.Name);
        InvocationOutcome outcome;
        try
        {
            // A function that takes an SDK type (BlobClient, Stream) gets a reference and reads the blob itself, as under
            // the Functions host; otherwise the content travels in the invocation.
            var data = _function.SupportsDeferredBinding
                ? TypedDataValues.BlobReference(_function.Property("connection") ?? "AzureWebJobsStorage", _container.Name, blob.Name)
                : TypedDataValues.Bytes((await source.DownloadContentAsync(new BlobDownloadOptions
                {
                    Conditions = new BlobRequestConditions { IfMatch = blob.Properties.ETag },
                }, stoppingToken)).Value.Content.ToArray());
            outcome = await _context.Dispatcher.InvokeAsync(_function, BuildInvocation(blob, source, data, values), null, CancellationToken.None);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            await _receipts.SettleAsync(claim, "completed", CancellationToken.None); // deleted or changed meanwhile: that version is gone
            return;
        }
        var status = outcome.Succeeded ? "completed"
            : outcome.Status == InvocationStatus.Rejected ? "failed"
            : claim.Tries >= _context.HostJson.Queues.MaxDequeueCount ? "poisoned" : "failed";
        await _receipts.SettleAsync(claim, status, CancellationToken.None);
        if (status == "poisoned")
        {
            await _poison.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
            await _poison.SendMessageAsync(JsonSerializer.Serialize(new
            {
                Type = "BlobTrigger",
                FunctionId = ScheduleName(),
                BlobType = "BlockBlob",
                ContainerName = _container.Name,
                BlobName = blob.Name,
                ETag = blob.Properties.ETag?.ToString(),
            }), CancellationToken.None);
            LogPoisoned(_function.Name, blob.Name, claim.Tries);
        }
        else if (!outcome.Succeeded)
            LogFailed(_function.Name, blob.Name, claim.Tries, outcome.Error ?? "");
    }

    private string ScheduleName() => $"Host.Functions.{_function.Name}";

    private InvocationRequest BuildInvocation(BlobItem blob, BlobClient source, TypedData data, Dictionary<string, string> values)
    {
        var request = new InvocationRequest { InvocationId = Guid.NewGuid().ToString() };
        request.InputData.Add(new ParameterBinding { Name = _function.TriggerName, Data = data });
        var metadata = request.TriggerMetadata;
        metadata["BlobTrigger"] = TypedDataValues.String($"{_container.Name}/{blob.Name}");
        metadata["Uri"] = TypedDataValues.Json(JsonSerializer.Serialize(source.Uri.ToString()));
        metadata["Properties"] = TypedDataValues.Json(JsonSerializer.Serialize(new
        {
            blob.Properties.ContentType,
            blob.Properties.ContentLength,
            ETag = blob.Properties.ETag?.ToString(),
            blob.Properties.LastModified,
            blob.Properties.CreatedOn,
        }));
        metadata["Metadata"] = TypedDataValues.Json(JsonSerializer.Serialize(blob.Metadata ?? new Dictionary<string, string>()));
        foreach (var (name, value) in values)
            metadata[name] = TypedDataValues.String(value);
        return request;
    }

    [LoggerMessage(EventId = 8001, Level = LogLevel.Information, Message = "Function '{Function}' watches container '{Container}'")]
    private partial void LogListening(string function, string container);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Warning, Message = "Scanning container '{Container}' failed: {Reason}")]
    private partial void LogScanFailed(string container, string reason);

    [LoggerMessage(EventId = 8003, Level = LogLevel.Warning, Message = "Function '{Function}' failed on blob '{Blob}' (try {Tries}): {Reason}")]
    private partial void LogFailed(string function, string blob, int tries, string reason);

    [LoggerMessage(EventId = 8004, Level = LogLevel.Error, Message = "Function '{Function}': blob '{Blob}' poisoned after {Tries} tries")]
    private partial void LogPoisoned(string function, string blob, int tries);

    [LoggerMessage(EventId = 8005, Level = LogLevel.Information, Message = "Function '{Function}' watches container '{Container}' by scanning it (its source, {Source}, has no local equivalent)")]
    private partial void LogListeningInsteadOf(string function, string container, string source);
}

/// <summary>Makes a <see cref="BlobTriggerListener"/> for each blobTrigger.</summary>
public sealed class BlobTriggerProvider(TimeSpan scanInterval) : ITriggerListenerProvider
{
    public ITriggerListener? TryCreate(FunctionDescriptor function, TriggerContext context) =>
        function.IsTrigger("blobTrigger") ? new BlobTriggerListener(function, context, scanInterval) : null;
}
