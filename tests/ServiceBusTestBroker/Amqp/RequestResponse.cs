using System.Collections.Concurrent;
using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Amqp.Types;

namespace Campaigns.Testing.ServiceBus.Amqp;

/// <summary>A request that came in on a request-response node (<c>$cbs</c> or an entity's <c>$management</c>).</summary>
internal sealed record Request(Connection Connection, Message Message)
{
    public string? Operation => Message.ApplicationProperties?["operation"] as string;

    /// <summary>The body map of a management request (the SDK sends an amqp-value map).</summary>
    public Map Body => Message.Body as Map ?? new Map();
}

/// <summary>
/// The AMQP request-response pattern the SDK uses for <c>$cbs</c> and <c>$management</c>: the client attaches a
/// sending link to the node and a receiving link whose target address it then puts in each request's reply-to; the
/// answer goes back on that receiving link with correlation-id = the request's message-id. Reply links are kept per
/// connection, since reply addresses are only unique within one client.
/// </summary>
internal sealed class RequestResponseLinks
{
    private readonly ConcurrentDictionary<(Connection, string), ListenerLink> _replyLinks = new();

    /// <summary>The client's sending link: each request is accepted, handled by <paramref name="handle"/>, and answered.</summary>
    public void AttachRequestLink(AttachContext attach, Func<Request, Message> handle) =>
        attach.Complete(new RequestEndpoint(this, handle), 100);

    /// <summary>The client's receiving link, where answers go.</summary>
    public void AttachReplyLink(AttachContext attach)
    {
        var key = (attach.Link.Session.Connection, ((Target)attach.Attach.Target).Address ?? "");
        _replyLinks[key] = attach.Link;
        attach.Link.AddClosedCallback((_, _) => _replyLinks.TryRemove(new KeyValuePair<(Connection, string), ListenerLink>(key, attach.Link)));
        attach.Complete(new ReplyEndpoint(), 0);
    }

    /// <summary>A management answer: statusCode, statusDescription and, for a failure, the error condition the SDK maps to an exception.</summary>
    public static Message ManagementResponse(int statusCode, string description, object? body = null, Symbol? errorCondition = null)
    {
        var response = new Message(body ?? new Map())
        {
            ApplicationProperties = new ApplicationProperties
            {
                ["statusCode"] = statusCode,
                ["statusDescription"] = description,
            },
        };
        if (errorCondition is not null)
            response.ApplicationProperties["errorCondition"] = errorCondition;
        return response;
    }

    private void Answer(Request request, ListenerLink requestLink, Func<Request, Message> handle)
    {
        var replyTo = request.Message.Properties?.ReplyTo;
        if (replyTo is null || !_replyLinks.TryGetValue((request.Connection, replyTo), out var replyLink))
            return;

        Message response;
        try
        {
            response = handle(request);
        }
        catch (Exception exception)
        {
            response = ManagementResponse(500, exception.Message, errorCondition: ErrorCode.InternalError);
        }

        response.Properties ??= new Properties();
        if (request.Message.Properties?.GetMessageId() is { } id)
            response.Properties.SetCorrelationId(id);
        if (!requestLink.IsClosed && !replyLink.IsClosed)
            replyLink.SendMessage(response);
    }

    private sealed class RequestEndpoint(RequestResponseLinks owner, Func<Request, Message> handle) : LinkEndpoint
    {
        public override void OnMessage(MessageContext messageContext)
        {
            var request = new Request(messageContext.Link.Session.Connection, messageContext.Message);
            messageContext.Complete();
            owner.Answer(request, messageContext.Link, handle);
        }

        public override void OnFlow(FlowContext flowContext)
        {
        }

        public override void OnDisposition(DispositionContext dispositionContext)
        {
        }
    }

    /// <summary>Answers go out settled or not as the client asked; their outcomes are of no interest.</summary>
    private sealed class ReplyEndpoint : LinkEndpoint
    {
        public override void OnFlow(FlowContext flowContext)
        {
        }

        public override void OnDisposition(DispositionContext dispositionContext)
        {
        }
    }
}
