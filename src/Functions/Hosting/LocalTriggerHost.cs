using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Campaigns.Functions.Storage;
using Campaigns.Functions.Triggers;
using Campaigns.LocalHost.Triggers.Blobs;
using Campaigns.LocalHost.Triggers.Timers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Campaigns.Functions.Hosting;

/// <summary>Settings of the local trigger host (section <c>LocalTriggerHost</c>).</summary>
internal sealed class LocalTriggerHostOptions
{
    /// <summary>Off under the Functions host (which drives the triggers itself); on otherwise unless set false.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Longest pause between two polls of an empty queue (host.json <c>queues.maxPollingInterval</c> wins).</summary>
    public double MaxPollingIntervalSeconds { get; set; } = 1;

    /// <summary>Pause between two scans of a blob trigger's container.</summary>
    public double BlobPollingIntervalSeconds { get; set; } = 2;

    /// <summary>Another folder of function.json files to drive (tests add functions of their own this way).</summary>
    public string? AdditionalFunctionsPath { get; set; }

    /// <summary>When set, only these functions are driven, as host.json's <c>functions</c> list does for the Functions host.</summary>
    public List<string> Functions { get; set; } = [];
}

/// <summary>
/// Plays the Azure Functions host's part when there is none (locally and in tests): reads the app's function.json
/// files and drives the same trigger endpoints the host would, the same way. Queue triggers: batches of
/// <c>batchSize</c> messages, <c>DequeueCount</c> and the other metadata passed, a failed message made visible again
/// after a growing back-off, and moved to <c>{queue}-poison</c> after <c>maxDequeueCount</c> (5) tries. Timer
/// triggers: NCRONTAB schedules (six fields, UTC).
/// </summary>
internal sealed partial class LocalTriggerHost(
    IServer server,
    IHostApplicationLifetime lifetime,
    IConfiguration configuration,
    StorageOptions storage,
    LocalTriggerHostOptions options,
    Engine.EngineOptions engine,
    TriggerSecret secret,
    StorageRequestCounter counter,
    TimeProvider time,
    ILogger<LocalTriggerHost> log) : BackgroundService
{
    private const int MaxDequeueCount = 5;
    private HttpClient? _http;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _inFlight = new();

    /// <summary>
    /// Messages of a queue-triggered function received and not yet settled (deleted, backed off or poisoned): with a
    /// queue that shows no visible message, 0 here means everything sent to the function so far has been handled.
    /// </summary>
    public int InFlight(string function) => _inFlight.GetValueOrDefault(function);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled || !string.IsNullOrEmpty(configuration["FUNCTIONS_CUSTOMHANDLER_PORT"]))
            return; // the Functions host drives the triggers itself (or a test or benchmark drives them)
        var started = new TaskCompletionSource();
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);

        var address = server.Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("0.0.0.0", "127.0.0.1").Replace("[::]", "127.0.0.1");
        _http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(5) };
        _http.DefaultRequestHeaders.Add(TriggerEndpoints.SecretHeader, secret.Value);

        var functions = FunctionDefinition.Load(AppContext.BaseDirectory);
        if (options.AdditionalFunctionsPath is { Length: > 0 } extra && Directory.Exists(extra))
            functions.AddRange(FunctionDefinition.Load(extra));
        var hostSettings = HostSettings.Load(AppContext.BaseDirectory, options);
        var loops = new List<Task>();
        foreach (var function in functions)
        {
            if (options.Functions.Count > 0 && !options.Functions.Contains(function.Name, StringComparer.OrdinalIgnoreCase))
                continue;
            if (function.Trigger == "queueTrigger")
                loops.Add(RunQueueAsync(function, hostSettings, stoppingToken));
            else if (function.Trigger == "timerTrigger")
                loops.Add(RunTimerAsync(function, stoppingToken));
            else if (function.Trigger == "blobTrigger")
                loops.Add(RunBlobAsync(function, stoppingToken));
        }
        LogStarted(loops.Count, address);
        await Task.WhenAll(loops);
    }

    private async Task RunQueueAsync(FunctionDefinition function, HostSettings settings, CancellationToken stoppingToken)
    {
        var clientOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        clientOptions.AddPolicy(counter, Azure.Core.HttpPipelinePosition.PerRetry);
        var queueName = engine.QueuePrefix + function.Binding["queueName"]!.GetValue<string>();
        var queue = new QueueClient(storage.ConnectionString, queueName, clientOptions);
        var poison = new QueueClient(storage.ConnectionString, queueName + "-poison", clientOptions);
        await queue.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
        // As the Functions host does: up to batchSize messages in flight, and more fetched once fewer than
        // newBatchThreshold (half the batch size) remain, so one slow message does not hold up the rest.
        var idle = TimeSpan.FromMilliseconds(100);
        var inFlight = new List<Task>();
        var threshold = settings.BatchSize / 2;
        while (!stoppingToken.IsCancellationRequested)
        {
            inFlight.RemoveAll(t => t.IsCompleted);
            if (inFlight.Count > threshold)
            {
                await Task.WhenAny(inFlight);
                continue;
            }
            QueueMessage[] messages;
            try
            {
                messages = (await queue.ReceiveMessagesAsync(settings.BatchSize - inFlight.Count, settings.VisibilityTimeout, stoppingToken)).Value;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogPollFailed(queueName, ex.Message);
                await DelayAsync(settings.MaxPollingInterval, stoppingToken);
                continue;
            }
            if (messages.Length == 0)
            {
                if (inFlight.Count > 0)
                    await Task.WhenAny(Task.WhenAny(inFlight), DelayAsync(idle, stoppingToken));
                else
                    await DelayAsync(idle, stoppingToken);
                idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, settings.MaxPollingInterval.Ticks)); // back off like the host
                continue;
            }
            idle = TimeSpan.FromMilliseconds(100);
            _inFlight.AddOrUpdate(function.Name, messages.Length, (_, n) => n + messages.Length);
            inFlight.AddRange(messages.Select(async message =>
            {
                try
                {
                    await DeliverAsync(function, queue, poison, message, stoppingToken);
                }
                finally
                {
                    _inFlight.AddOrUpdate(function.Name, 0, (_, n) => n - 1);
                }
            }));
        }
        await Task.WhenAll(inFlight);
    }

    private async Task DeliverAsync(FunctionDefinition function, QueueClient queue, QueueClient poison, QueueMessage message, CancellationToken stoppingToken)
    {
        var payload = new JsonObject
        {
            ["Data"] = new JsonObject { [function.BindingName] = message.MessageText },
            ["Metadata"] = new JsonObject
            {
                ["DequeueCount"] = message.DequeueCount,
                ["Id"] = message.MessageId,
                ["PopReceipt"] = message.PopReceipt,
                ["InsertionTime"] = message.InsertedOn?.ToString("O"),
                ["ExpirationTime"] = message.ExpiresOn?.ToString("O"),
                ["NextVisibleTime"] = message.NextVisibleOn?.ToString("O"),
                ["sys"] = new JsonObject { ["MethodName"] = function.Name, ["UtcNow"] = time.GetUtcNow().ToString("O") },
            },
        };
        bool succeeded;
        try
        {
            using var response = await _http!.PostAsJsonAsync("/" + function.Name, payload, stoppingToken);
            succeeded = response.IsSuccessStatusCode;
            if (!succeeded)
                LogFailed(function.Name, message.MessageId, message.DequeueCount, (int)response.StatusCode);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            LogFailed(function.Name, message.MessageId, message.DequeueCount, 0);
            _ = ex;
            succeeded = false;
        }
        catch (OperationCanceledException)
        {
            return; // shutting down: the message becomes visible again and is delivered later
        }

        try
        {
            if (succeeded)
            {
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
            }
            else if (message.DequeueCount >= MaxDequeueCount)
            {
                await poison.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
                await poison.SendMessageAsync(message.MessageText, CancellationToken.None);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
                LogPoisoned(function.Name, message.MessageId);
            }
            else
            {
                var backOff = TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, message.DequeueCount - 1)));
                await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: backOff, cancellationToken: CancellationToken.None);
            }
        }
        catch (Azure.RequestFailedException ex) when (ex.Status is 404 or 400)
        {
            // The pop receipt expired (processing outlived the visibility timeout): the message is delivered again.
        }
    }

    /// <summary>
    /// Blob triggers with receipts, as the Functions host keeps them: before a blob (at a given ETag) is handed to the
    /// function, a receipt blob is created with If-None-Match: *, so one host only processes it, once. A failure is
    /// retried up to five times, then the blob's path goes to the <c>webjobs-blobtrigger-poison</c> queue. A receipt left
    /// "processing" by a crashed host for longer than the visibility timeout is taken over.
    /// </summary>
    private async Task RunBlobAsync(FunctionDefinition function, CancellationToken stoppingToken)
    {
        var path = function.Binding["path"]!.GetValue<string>();
        var containerName = engine.QueuePrefix + path.Split('/')[0]; // the app's containers take the queue prefix too
        var blobOptions = new Azure.Storage.Blobs.BlobClientOptions();
        blobOptions.AddPolicy(counter, Azure.Core.HttpPipelinePosition.PerRetry);
        var service = new Azure.Storage.Blobs.BlobServiceClient(storage.ConnectionString, blobOptions);
        var container = service.GetBlobContainerClient(containerName);
        var receipts = service.GetBlobContainerClient("azure-webjobs-hosts");
        var poison = new QueueClient(storage.ConnectionString, "webjobs-blobtrigger-poison", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await container.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
        await receipts.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var blob in container.GetBlobsAsync(cancellationToken: stoppingToken))
                    await DeliverBlobAsync(function, container, receipts, poison, blob, stoppingToken);
            }
            catch (Exception ex) when (ex is Azure.RequestFailedException or HttpRequestException && !stoppingToken.IsCancellationRequested)
            {
                LogPollFailed(containerName, ex.Message);
            }
            await DelayAsync(TimeSpan.FromSeconds(options.BlobPollingIntervalSeconds), stoppingToken);
        }
    }

    private async Task DeliverBlobAsync(
        FunctionDefinition function, Azure.Storage.Blobs.BlobContainerClient container, Azure.Storage.Blobs.BlobContainerClient receipts,
        QueueClient poison, Azure.Storage.Blobs.Models.BlobItem blob, CancellationToken stoppingToken)
    {
        // The receipt rules live in src/LocalHost (BlobReceipts), shared until this host is deleted.
        var guard = new BlobReceipts(receipts, TimeSpan.FromMinutes(5), time);
        var claim = await guard.TryClaimAsync(guard.ReceiptFor("local", function.Name, blob.Properties.ETag, container.Name, blob.Name), stoppingToken);
        if (claim is null)
            return;
        var tries = claim.Tries;
        var source = container.GetBlobClient(blob.Name);
        var content = blob.Properties.ContentLength <= 1024 * 1024
            ? Convert.ToBase64String((await source.DownloadContentAsync(stoppingToken)).Value.Content.ToArray())
            : null; // large blobs: the function reads them itself from Metadata.Uri, streaming
        var payload = new JsonObject
        {
            ["Data"] = new JsonObject { [function.BindingName] = content },
            ["Metadata"] = new JsonObject
            {
                ["BlobTrigger"] = $"{container.Name}/{blob.Name}",
                ["name"] = blob.Name,
                ["Uri"] = source.Uri.ToString(),
                ["Properties"] = new JsonObject { ["Length"] = blob.Properties.ContentLength, ["ETag"] = blob.Properties.ETag?.ToString() },
                ["sys"] = new JsonObject { ["MethodName"] = function.Name },
            },
        };
        var succeeded = false;
        try
        {
            using var response = await _http!.PostAsJsonAsync("/" + function.Name, payload, stoppingToken);
            succeeded = response.IsSuccessStatusCode;
            if (!succeeded)
                LogFailed(function.Name, blob.Name, tries, (int)response.StatusCode);
        }
        catch (HttpRequestException)
        {
            LogFailed(function.Name, blob.Name, tries, 0);
        }
        var final = succeeded ? "completed" : tries >= MaxDequeueCount ? "poisoned" : "failed";
        await guard.SettleAsync(claim, final, CancellationToken.None);
        if (final == "poisoned")
        {
            await poison.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
            await poison.SendMessageAsync(JsonSerializer.Serialize(new { FunctionId = function.Name, BlobType = "BlockBlob", ContainerName = container.Name, BlobName = blob.Name, ETag = blob.Properties.ETag?.ToString() }), CancellationToken.None);
            LogPoisoned(function.Name, blob.Name);
        }
    }


    private async Task RunTimerAsync(FunctionDefinition function, CancellationToken stoppingToken)
    {
        var schedule = NCrontab.Parse(function.Binding["schedule"]!.GetValue<string>());
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = schedule.NextAfter(time.GetUtcNow().UtcDateTime);
            while (!stoppingToken.IsCancellationRequested && time.GetUtcNow().UtcDateTime < next)
                await DelayAsync(TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(1).Ticks, (next - time.GetUtcNow().UtcDateTime).Ticks)), stoppingToken);
            if (stoppingToken.IsCancellationRequested)
                return;
            var payload = new JsonObject
            {
                ["Data"] = new JsonObject { [function.BindingName] = new JsonObject { ["IsPastDue"] = false } },
                ["Metadata"] = new JsonObject { ["sys"] = new JsonObject { ["MethodName"] = function.Name } },
            };
            try
            {
                using var response = await _http!.PostAsJsonAsync("/" + function.Name, payload, stoppingToken);
                if (!response.IsSuccessStatusCode)
                    LogFailed(function.Name, "timer", 1, (int)response.StatusCode);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                LogFailed(function.Name, "timer", 1, 0);
            }
        }
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay < TimeSpan.Zero ? TimeSpan.Zero : delay, stoppingToken); // real time: polling is about the broker, not the clock
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override void Dispose()
    {
        _http?.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Local trigger host drives {Count} trigger(s) at {Address}")]
    private partial void LogStarted(int count, string address);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Function {Function} failed on message {MessageId} (try {DequeueCount}, status {Status})")]
    private partial void LogFailed(string function, string messageId, long dequeueCount, int status);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "Function {Function}: message {MessageId} moved to the poison queue after 5 tries")]
    private partial void LogPoisoned(string function, string messageId);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Polling queue {Queue} failed: {Reason}")]
    private partial void LogPollFailed(string queue, string reason);
}

/// <summary>One function.json: its name (the folder), its trigger binding.</summary>
internal sealed record FunctionDefinition(string Name, string Trigger, string BindingName, JsonObject Binding)
{
    public static List<FunctionDefinition> Load(string appRoot)
    {
        var functions = new List<FunctionDefinition>();
        foreach (var path in Directory.GetFiles(appRoot, "function.json", SearchOption.AllDirectories))
        {
            var bindings = JsonNode.Parse(File.ReadAllText(path))!["bindings"]!.AsArray();
            var trigger = bindings.Select(b => b!.AsObject()).FirstOrDefault(b => b["type"]!.GetValue<string>().EndsWith("Trigger", StringComparison.Ordinal));
            if (trigger is null)
                continue;
            functions.Add(new FunctionDefinition(Path.GetFileName(Path.GetDirectoryName(path)!), trigger["type"]!.GetValue<string>(),
                trigger["name"]!.GetValue<string>(), trigger));
        }
        return functions.DistinctBy(f => f.Name).ToList();
    }
}

/// <summary>The queue settings of host.json (<c>extensions.queues</c>), with the host's defaults.</summary>
internal sealed record HostSettings(int BatchSize, TimeSpan MaxPollingInterval, TimeSpan VisibilityTimeout)
{
    public static HostSettings Load(string appRoot, LocalTriggerHostOptions options)
    {
        var queues = File.Exists(Path.Combine(appRoot, "host.json"))
            ? JsonNode.Parse(File.ReadAllText(Path.Combine(appRoot, "host.json")))?["extensions"]?["queues"]
            : null;
        var batch = queues?["batchSize"]?.GetValue<int>() ?? 16;
        var polling = queues?["maxPollingInterval"]?.GetValue<string>() is { } p ? TimeSpan.Parse(p, System.Globalization.CultureInfo.InvariantCulture) : TimeSpan.FromSeconds(options.MaxPollingIntervalSeconds);
        return new HostSettings(Math.Clamp(batch, 1, 32), polling, TimeSpan.FromMinutes(5));
    }
}
