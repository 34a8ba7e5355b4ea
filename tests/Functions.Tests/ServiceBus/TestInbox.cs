using System.Collections.Concurrent;
using Azure.Core.Amqp;
using Azure.Messaging.ServiceBus;
using Campaigns.Functions.Integration.ServiceBus;

namespace Campaigns.Functions.Tests.ServiceBus;

/// <summary>
/// An inbox that records what it is handed. By message id: "invalid-..." is Invalid, "fail-once-..." throws the first
/// time and is recorded the second, "fail-always-..." always throws, anything else is Recorded.
/// </summary>
internal sealed class TestInbox : ICallResultInbox
{
    private readonly ConcurrentDictionary<string, int> _calls = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _recorded = new();

    public ConcurrentQueue<InboundCallResult> Handed { get; } = new();

    public int CallsOf(string id) => _calls.GetValueOrDefault(id);

    public Task<InboundOutcome> HandleAsync(InboundCallResult message, CancellationToken cancellationToken)
    {
        var id = message.MessageId ?? "";
        Handed.Enqueue(message);
        var calls = _calls.AddOrUpdate(id, 1, (_, n) => n + 1);
        if (id.StartsWith("fail-always", StringComparison.Ordinal) || (id.StartsWith("fail-once", StringComparison.Ordinal) && calls == 1))
            throw new InvalidOperationException("storage is busy");
        Signal(id).TrySetResult();
        return Task.FromResult(id.StartsWith("invalid", StringComparison.Ordinal)
            ? new InboundOutcome(InboundDisposition.Invalid, "unknown call id")
            : new InboundOutcome(InboundDisposition.Recorded));
    }

    /// <summary>Waits until the message <paramref name="id"/> got an outcome (not an exception) from this inbox.</summary>
    public Task WaitForAsync(string id) => Signal(id).Task.WaitAsync(TimeSpan.FromSeconds(15));

    private TaskCompletionSource Signal(string id) => _recorded.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>
    /// A call result message as a provider would send it: JSON as the body (a Data section, or an AMQP value string as
    /// some AMQP clients send), with application properties.
    /// </summary>
    public static ServiceBusMessage Result(string id, bool asAmqpValue = false)
    {
        var json = $$"""{"call_id":"{{id}}","status":"completed"}""";
        var message = asAmqpValue
            ? new ServiceBusMessage(new AmqpAnnotatedMessage(AmqpMessageBody.FromValue(json)))
            : new ServiceBusMessage(BinaryData.FromString(json));
        message.MessageId = id;
        message.ApplicationProperties["provider"] = "test";
        message.ApplicationProperties["attempt"] = 2;
        return message;
    }
}
