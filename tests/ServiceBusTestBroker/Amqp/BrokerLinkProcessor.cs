using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Amqp.Types;
using Campaigns.Testing.ServiceBus.Entities;

namespace Campaigns.Testing.ServiceBus.Amqp;

/// <summary>
/// Every link attach comes here and is routed by its address: <c>$cbs</c> is open to all (that is where tokens are
/// put); anything else needs a token for that path put on this connection, and a declared entity. A refusal detaches
/// the link with the error Service Bus gives: amqp:unauthorized-access, amqp:not-found for an entity that was not
/// declared, amqp:not-allowed for sending to a subscription or receiving from a topic.
/// Every attach answer carries max-message-size: the SDK needs it to size its batches and fails without it.
/// </summary>
internal sealed class BrokerLinkProcessor(
    EntityRegistry entities,
    ConnectionAuthorizations authorizations,
    CbsNode cbs,
    ManagementNode management,
    int maxMessageSize) : ILinkProcessor
{
    private static readonly Symbol SessionFilter = "com.microsoft:session-filter";
    private readonly RequestResponseLinks _requestResponse = new();

    /// <summary>The broker's current run (from one start to its stop), which the links attached in it belong to.</summary>
    public BrokerRun CurrentRun { get; set; } = BrokerRun.Stopped();

    public void Process(AttachContext attachContext)
    {
        try
        {
            Attach(attachContext);
        }
        catch (BrokerException refusal)
        {
            attachContext.Complete(refusal.ToError());
        }
    }

    private void Attach(AttachContext context)
    {
        var attach = context.Attach;
        var clientSends = !attach.Role;
        var rawAddress = clientSends ? (attach.Target as Target)?.Address : (attach.Source as Source)?.Address;
        var address = EntityAddress.Parse(rawAddress)
            ?? throw new BrokerException(ErrorCode.InvalidField, "The link has no address.");
        attach.MaxMessageSize = (ulong)maxMessageSize;

        if (address.IsCbs)
        {
            AttachRequestResponse(context, clientSends, cbs.Handle);
            return;
        }

        if (!authorizations.Allows(context.Link.Session.Connection, address.PathWithManagement()))
            throw new BrokerException(ErrorCode.UnauthorizedAccess, $"Unauthorized access to '{rawAddress}': put a valid token on $cbs for it first.");

        if (address.IsManagement)
        {
            if (entities.FindTarget(address.Path) is null && entities.FindSource(address.Path) is null)
                throw NotFound(address.Path);
            AttachRequestResponse(context, clientSends, request => management.Handle(address.Path, request));
        }
        else if (clientSends)
        {
            var target = entities.FindTarget(address.Path)
                ?? throw (entities.FindSource(address.Path) is null
                    ? NotFound(address.Path)
                    : new BrokerException(ErrorCode.NotAllowed, $"Cannot send to '{address.Path}': send to its queue or topic."));
            context.Complete(new InboundLink(target, maxMessageSize, CurrentRun), 200);
        }
        else
        {
            if ((attach.Source as Source)?.FilterSet?.ContainsKey(SessionFilter) == true)
                throw new BrokerException(ErrorCode.NotImplemented, "Sessions are not emulated by this test broker.");
            var queue = entities.FindSource(address.Path)
                ?? throw (entities.FindTarget(address.Path) is null
                    ? NotFound(address.Path)
                    : new BrokerException(ErrorCode.NotAllowed, $"Cannot receive from topic '{address.Path}': receive from one of its subscriptions."));
            context.Complete(new OutboundLink(context.Link, queue, CurrentRun), 0);
        }
    }

    private void AttachRequestResponse(AttachContext context, bool clientSends, Func<Request, Message> handle)
    {
        if (clientSends)
            _requestResponse.AttachRequestLink(context, handle);
        else
            _requestResponse.AttachReplyLink(context);
    }

    private static BrokerException NotFound(string path) =>
        new(ErrorCode.NotFound, $"The messaging entity '{path}' could not be found: declare it on the test broker first.");
}
