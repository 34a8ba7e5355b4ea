using System.Collections.Concurrent;
using Amqp;
using Amqp.Types;
using Campaigns.Testing.ServiceBus.Entities;

namespace Campaigns.Testing.ServiceBus.Amqp;

/// <summary>
/// An entity's <c>$management</c> node, for the operations the SDK sends there for what the app does. A request has
/// application property operation=<c>com.microsoft:...</c> and an amqp-value map body; an answer has statusCode,
/// statusDescription and, for a failure, errorCondition (a symbol), which the SDK turns into its exception: 410 with
/// <c>com.microsoft:message-lock-lost</c> is <c>ServiceBusFailureReason.MessageLockLost</c>, 501 with
/// <c>amqp:not-implemented</c> a <see cref="NotSupportedException"/>. Operations not listed here answer 501.
/// </summary>
internal sealed class ManagementNode(EntityRegistry entities)
{
    private static readonly Symbol LockLost = "com.microsoft:message-lock-lost";

    /// <summary>Every operation asked for, in order, for tests that check what the SDK did (e.g. renewed a lock).</summary>
    public ConcurrentQueue<string> Journal { get; } = new();

    public Message Handle(string entityPath, Request request)
    {
        var operation = request.Operation ?? "";
        Journal.Enqueue(operation);
        var queue = entities.FindSource(entityPath);
        return (operation, queue) switch
        {
            ("com.microsoft:renew-lock", { }) => RenewLock(queue, request.Body),
            ("com.microsoft:peek-message", { }) => Peek(queue, request.Body),
            ("com.microsoft:update-disposition", { }) => UpdateDisposition(queue, request.Body),
            _ => RequestResponseLinks.ManagementResponse(
                501, $"'{operation}' on '{entityPath}' is not emulated by this test broker.", errorCondition: ErrorCode.NotImplemented),
        };
    }

    /// <summary>lock-tokens (uuid[]) → expirations (timestamp[]), each extended by the entity's lock duration.</summary>
    private static Message RenewLock(MessageQueue queue, Map body)
    {
        var expirations = new List<DateTime>();
        foreach (var token in LockTokens(body))
        {
            if (queue.RenewLock(token) is not { } until)
                return RequestResponseLinks.ManagementResponse(410, $"The lock {token} is lost: it expired or the message was settled.", errorCondition: LockLost);
            expirations.Add(until.UtcDateTime);
        }

        return RequestResponseLinks.ManagementResponse(200, "OK", new Map { ["expirations"] = expirations.ToArray() });
    }

    /// <summary>from-sequence-number, message-count → messages: a list of maps each holding one encoded message; 204 if none.</summary>
    private static Message Peek(MessageQueue queue, Map body)
    {
        var from = Convert.ToInt64(body["from-sequence-number"] ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
        var count = Convert.ToInt32(body["message-count"] ?? 1, System.Globalization.CultureInfo.InvariantCulture);
        var messages = queue.Peek(from, count);
        if (messages.Count == 0)
            return RequestResponseLinks.ManagementResponse(204, "No messages to peek.");

        var list = new List();
        foreach (var message in messages)
            list.Add(new Map { ["message"] = WireMessages.ToBytes(WireMessages.ForPeek(message).Encode()) });
        return RequestResponseLinks.ManagementResponse(200, "OK", new Map { ["messages"] = list });
    }

    /// <summary>
    /// Settlement by lock token, which the SDK falls back to when its receive link no longer knows the delivery (after
    /// it reconnected). A lock held by a link that closed is gone here, so this usually answers lock-lost, as Service Bus does.
    /// </summary>
    private static Message UpdateDisposition(MessageQueue queue, Map body)
    {
        var status = body["disposition-status"] as string;
        var properties = body["properties-to-modify"] is Map map
            ? map.ToDictionary(p => p.Key.ToString()!, p => (object?)p.Value)
            : null;
        foreach (var token in LockTokens(body))
        {
            var result = status switch
            {
                "completed" => queue.Complete(token),
                "abandoned" => queue.Abandon(token, properties),
                "suspended" => queue.DeadLetter(token, body["deadletter-reason"] as string, body["deadletter-description"] as string, properties),
                _ => (SettleResult?)null,
            };
            if (result is null)
                return RequestResponseLinks.ManagementResponse(501, $"Disposition '{status}' is not emulated by this test broker.", errorCondition: ErrorCode.NotImplemented);
            if (result == SettleResult.LockLost)
                return RequestResponseLinks.ManagementResponse(410, $"The lock {token} is lost: it expired or the message was settled.", errorCondition: LockLost);
        }

        return RequestResponseLinks.ManagementResponse(200, "OK");
    }

    private static IEnumerable<Guid> LockTokens(Map body) => body["lock-tokens"] switch
    {
        Guid[] tokens => tokens,
        Guid token => [token],
        _ => [],
    };
}
