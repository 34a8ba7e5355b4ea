using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Campaigns.Testing.ServiceBus.Entities;

namespace Campaigns.Testing.ServiceBus.Amqp;

/// <summary>
/// A sender's link to a queue or topic. Each transfer (one message, or the SDK's batch) is stored whole and then
/// accepted, so the SDK's send returns only once the messages are in the store; a refusal is a rejected outcome with
/// the error the SDK turns into its exception (e.g. amqp:not-implemented for a scheduled message).
/// </summary>
internal sealed class InboundLink(ISendTarget target, int maxMessageSize, BrokerRun run) : LinkEndpoint
{
    public override void OnMessage(MessageContext messageContext)
    {
        if (run.IsStopped)
            return; // arrived on a connection the stop is tearing down: not stored, not answered

        try
        {
            var messages = WireMessages.Unbatch(messageContext.Message);
            if (messages.Any(m => m.Encoded.Length > maxMessageSize))
                throw new BrokerException(ErrorCode.MessageSizeExceeded, $"A message is larger than the {maxMessageSize} bytes this entity takes.");
            target.Accept(messages);
            messageContext.Complete();
        }
        catch (BrokerException refusal)
        {
            messageContext.Complete(refusal.ToError());
        }
    }

    public override void OnFlow(FlowContext flowContext)
    {
    }

    public override void OnDisposition(DispositionContext dispositionContext)
    {
    }
}
