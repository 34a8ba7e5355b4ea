using Azure.Messaging.ServiceBus;

namespace Campaigns.Functions.Integration.ServiceBus;

/// <summary>
/// Publishes integration events to the topic with the Service Bus SDK's <see cref="ServiceBusSender"/> (one for the
/// app, thread-safe, on the client's one connection; the SDK reconnects and retries by itself). Events go out in
/// <see cref="ServiceBusMessageBatch"/>es, each within the entity's maximum message size and
/// <see cref="ServiceBusOptions.MaxBatchEvents"/>, one after the other so they arrive in order. A batch is accepted
/// or refused whole, so on a failure the events before it are the accepted prefix the caller keeps
/// (<see cref="EventPublishException.AcceptedPrefix"/>); the rest are sent again later with the same message ids,
/// which the topic's duplicate detection folds if a refused batch had in fact arrived.
/// </summary>
internal sealed class ServiceBusEventPublisher : IEventPublisher
{
    public const string ContentType = "application/cloudevents+json; charset=utf-8";

    private readonly ServiceBusOptions _options;
    private readonly Lazy<ServiceBusSender> _sender;
    private readonly ILogger _logger;

    public ServiceBusEventPublisher(ServiceBusOptions options, Func<ServiceBusClient> client, ILogger<ServiceBusEventPublisher> logger)
    {
        _options = options;
        _logger = logger;
        // Created at the first event, not with the app: the sender opens its link lazily anyway, and an app without
        // events never touches the client.
        _sender = new Lazy<ServiceBusSender>(() =>
        {
            var sender = client().CreateSender(options.Topic, new ServiceBusSenderOptions { Identifier = "campaign-events-" + Environment.MachineName });
            ServiceBusLog.Publishing(logger, options.Connection!.ToString(), options.Topic);
            return sender;
        });
    }

    public bool Enabled => _options.Enabled;

    public async Task PublishAsync(IReadOnlyList<OutgoingEvent> events, CancellationToken cancellationToken)
    {
        if (!Enabled)
            throw new InvalidOperationException("No ServiceBusConnection is configured: the broker is not a destination of events.");
        var accepted = 0;
        while (accepted < events.Count)
        {
            try
            {
                using var batch = await _sender.Value.CreateMessageBatchAsync(cancellationToken);
                var end = Fill(batch, events, accepted);
                if (end == accepted)
                    throw new EventPublishException(accepted,
                        $"Event {events[accepted].Id} ({events[accepted].Body.Length:N0} bytes) is larger than '{_options.Topic}' takes in one message ({batch.MaxSizeInBytes:N0} bytes).");
                await _sender.Value.SendMessagesAsync(batch, cancellationToken);
                accepted = end;
            }
            catch (Exception ex) when (ex is not EventPublishException && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                var reason = ex is ServiceBusException bus ? $"{bus.Reason}: {bus.Message}" : $"{ex.GetType().Name}: {ex.Message}";
                ServiceBusLog.PublishFailed(_logger, _options.Topic, accepted, events.Count, events[accepted].Id, reason);
                throw new EventPublishException(accepted,
                    $"Publishing to '{_options.Topic}' stopped at event {accepted + 1} of {events.Count} (id {events[accepted].Id}): {reason}", ex);
            }
        }
    }

    /// <summary>
    /// Adds events from <paramref name="start"/> while they fit and share the first one's partition key (a batch goes to
    /// one partition of a partitioned entity); returns the index after the last one added.
    /// </summary>
    private int Fill(ServiceBusMessageBatch batch, IReadOnlyList<OutgoingEvent> events, int start)
    {
        var end = start;
        while (end < events.Count && end - start < _options.MaxBatchEvents
               && events[end].CampaignId == events[start].CampaignId && batch.TryAddMessage(ToMessage(events[end])))
            end++;
        return end;
    }

    /// <summary>
    /// The Service Bus message of an event (see <see cref="OutgoingEvent"/>): message id = event id, subject = type,
    /// the CloudEvents content type, application properties <c>campaign_id</c>, <c>workspace</c>, <c>event_type</c>,
    /// partition key = the campaign (its events stay in order on one partition), the structured CloudEvent as body.
    /// </summary>
    public static ServiceBusMessage ToMessage(OutgoingEvent e)
    {
        var message = new ServiceBusMessage(BinaryData.FromBytes(e.Body))
        {
            MessageId = e.Id,
            Subject = e.Type,
            ContentType = ContentType,
            PartitionKey = e.CampaignId,
        };
        message.ApplicationProperties["campaign_id"] = e.CampaignId;
        message.ApplicationProperties["workspace"] = e.Workspace;
        message.ApplicationProperties["event_type"] = e.Type;
        return message;
    }
}
