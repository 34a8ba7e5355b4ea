using Amqp;
using Amqp.Framing;
using Amqp.Types;

namespace Campaigns.Functions.Integration.ServiceBus;

/// <summary>
/// Sends integration events over AMQP 1.0 on one connection, session and sender link, opened at the first batch and
/// opened again after any failure (a dropped connection, a broker restart, a refused or timed-out event). A batch is
/// pipelined: up to <see cref="ServiceBusOptions.MaxUnsettled"/> events travel unsettled at once, in order on the one
/// link, and every outcome is awaited. Batches of concurrent callers take turns to go out, and one goes out while the
/// one before it waits for its outcomes; a caller sends its next batch only after this one settled, so each keeps its order.
/// </summary>
internal sealed class AmqpEventPublisher : IEventPublisher, IAsyncDisposable
{
    public const string ContentType = "application/cloudevents+json; charset=utf-8";
    private static readonly Symbol PartitionKey = new("x-opt-partition-key");

    private readonly ServiceBusOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _turn = new(1, 1);
    private AmqpChannel? _channel;
    private SenderLink? _link;
    /// <summary>Completes when the current link or its connection closes (callbacks registered once per link, not per batch).</summary>
    private TaskCompletionSource<Error?>? _linkClosed;
    private bool _disposed;

    public AmqpEventPublisher(ServiceBusOptions options, TimeProvider time, ILogger<AmqpEventPublisher> logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
    }

    public bool Enabled => _options.Enabled;

    public async Task PublishAsync(IReadOnlyList<OutgoingEvent> events, CancellationToken cancellationToken)
    {
        if (!Enabled)
            throw new InvalidOperationException("No ServiceBusConnection is configured: the broker is not a destination of events.");
        if (events.Count == 0)
            return;
        // The turn covers opening the link and handing the batch to it, not the wait for its outcomes: the next
        // caller's batch (another campaign's) goes out on the same link while this one's outcomes come back, so the
        // link does not drain between batches.
        SenderLink link;
        Sent sent;
        await _turn.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            try
            {
                link = await EnsureLinkAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                ServiceBusLog.ConnectFailed(_logger, _options.Address!.ToString(), _options.Topic, ex.GetType().Name, ex.Message);
                await DropAsync();
                throw new EventPublishException(0, $"Could not open a link to '{_options.Topic}' on {_options.Address}: {ex.Message}", ex);
            }
            sent = await SendAsync(link, events, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await DropAsync(); // events may be in flight with unknown fate; the caller sends them again (same ids)
            throw;
        }
        finally
        {
            _turn.Release();
        }

        EventPublishException? failure;
        try
        {
            failure = await SettleAsync(sent, events, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await DropIfCurrentAsync(link);
            throw;
        }
        if (failure is not null)
        {
            await DropIfCurrentAsync(link); // the link saw a failure: the next batch starts on a fresh one
            throw failure;
        }
    }

    /// <summary>What a batch handed to the link: how many went out, the outcome of each, and the link's closing.</summary>
    private sealed record Sent(int Count, TaskCompletionSource<Outcome?>[] Outcomes, TaskCompletionSource<Error?> Closed);

    /// <summary>Sends the batch pipelined, at most <see cref="ServiceBusOptions.MaxUnsettled"/> unsettled at once.</summary>
    private async Task<Sent> SendAsync(SenderLink link, IReadOnlyList<OutgoingEvent> events, CancellationToken cancellationToken)
    {
        var outcomes = new TaskCompletionSource<Outcome?>[events.Count];
        for (var i = 0; i < outcomes.Length; i++)
            outcomes[i] = new TaskCompletionSource<Outcome?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var window = new SemaphoreSlim(_options.MaxUnsettled, _options.MaxUnsettled); // not disposed: late outcomes may still release it
        var closed = _linkClosed!;

        OutcomeCallback onOutcome = (_, _, outcome, state) =>
        {
            if (outcomes[(int)state].TrySetResult(outcome))
                window.Release();
        };

        var sent = 0;
        try
        {
            for (; sent < events.Count; sent++)
            {
                if (!await window.WaitAsync(_options.SendTimeout, cancellationToken) || closed.Task.IsCompleted)
                    break;
                link.Send(ToMessage(events[sent]), onOutcome, sent);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Send throws once the link is detaching: the events from here on were not sent.
        }
        return new Sent(sent, outcomes, closed);
    }

    /// <summary>Awaits every outcome of a batch in order; returns null when all were accepted, else the failure to throw.</summary>
    private async Task<EventPublishException?> SettleAsync(Sent batch, IReadOnlyList<OutgoingEvent> events, CancellationToken cancellationToken)
    {
        var (sent, outcomes, closed) = (batch.Count, batch.Outcomes, batch.Closed);
        var accepted = 0;
        for (; accepted < sent; accepted++)
        {
            Outcome? outcome;
            try
            {
                var first = await Task.WhenAny(outcomes[accepted].Task, closed.Task).WaitAsync(_options.SendTimeout, cancellationToken);
                outcome = first == outcomes[accepted].Task || outcomes[accepted].Task.IsCompleted
                    ? outcomes[accepted].Task.Result
                    : throw new AmqpException(closed.Task.Result ?? new Error(ErrorCode.DetachForced) { Description = "the connection closed" });
            }
            catch (Exception ex) when (ex is TimeoutException or AmqpException)
            {
                var reason = ex is TimeoutException
                    ? $"no outcome within {_options.SendTimeout.TotalSeconds:0} s"
                    : "connection lost: " + ex.Message;
                return Fail(accepted, events, reason, ex);
            }

            if (outcome is not Accepted)
                return Fail(accepted, events, Describe(outcome), null);
        }

        return sent == events.Count ? null : Fail(accepted, events, closed.Task.IsCompleted
            ? "connection lost: " + (closed.Task.Result?.ToString() ?? "closed")
            : $"no room to send within {_options.SendTimeout.TotalSeconds:0} s", null);
    }

    private EventPublishException Fail(int accepted, IReadOnlyList<OutgoingEvent> events, string reason, Exception? inner)
    {
        ServiceBusLog.PublishFailed(_logger, _options.Topic, accepted, events.Count, events[accepted].Id, reason);
        return new EventPublishException(accepted,
            $"Publishing to '{_options.Topic}' stopped at event {accepted + 1} of {events.Count} (id {events[accepted].Id}): {reason}", inner);
    }

    private static string Describe(Outcome? outcome) => outcome switch
    {
        Rejected rejected => "rejected: " + (rejected.Error?.ToString() ?? "no reason given"),
        Released => "released by the broker",
        Modified => "modified (not delivered) by the broker",
        null => "the link closed before an outcome",
        _ => "unexpected outcome " + outcome.GetType().Name,
    };

    /// <summary>The AMQP message of an event (see <see cref="OutgoingEvent"/>): properties, application properties, partition key, a Data body.</summary>
    public static Message ToMessage(OutgoingEvent e)
    {
        var message = new Message
        {
            Header = new Header { Durable = true },
            Properties = new Properties { MessageId = e.Id, Subject = e.Type, ContentType = ContentType },
            ApplicationProperties = new ApplicationProperties(),
            MessageAnnotations = new MessageAnnotations(),
            BodySection = new Data { Binary = e.Body.ToArray() },
        };
        message.ApplicationProperties["campaign_id"] = e.CampaignId;
        message.ApplicationProperties["workspace"] = e.Workspace;
        message.ApplicationProperties["event_type"] = e.Type;
        message.MessageAnnotations[PartitionKey] = e.CampaignId;
        return message;
    }

    private async Task<SenderLink> EnsureLinkAsync(CancellationToken cancellationToken)
    {
        if (_channel is { IsBroken: false } && _link is { IsClosed: false })
            return _link;
        await DropAsync();
        _channel = await AmqpChannel.OpenAsync(_options.Address!, _options, _time, cancellationToken);
        _link = await _channel.AttachSenderAsync("campaign-events-" + Guid.NewGuid().ToString("N")[..8], _options.Topic, cancellationToken);
        var closed = _linkClosed = new TaskCompletionSource<Error?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _link.AddClosedCallback((_, error) => closed.TrySetResult(error));
        _channel.OnClosed(error => closed.TrySetResult(error));
        ServiceBusLog.Connected(_logger, _options.Address!.ToString(), _options.Topic);
        return _link;
    }

    /// <summary>Drops the link a failed batch used, unless another batch has already opened a fresh one.</summary>
    private async Task DropIfCurrentAsync(SenderLink failed)
    {
        await _turn.WaitAsync();
        try
        {
            if (ReferenceEquals(_link, failed))
                await DropAsync();
        }
        finally
        {
            _turn.Release();
        }
    }

    private async Task DropAsync()
    {
        var channel = _channel;
        _channel = null;
        _link = null;
        _linkClosed = null;
        if (channel is not null)
            await channel.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _turn.WaitAsync();
        try
        {
            _disposed = true;
            await DropAsync();
        }
        finally
        {
            _turn.Release();
        }
    }
}
