using Amqp;
using Amqp.Framing;

namespace Campaigns.Testing.ServiceBus.Amqp;

/// <summary>
/// The <c>$cbs</c> node: the SDK signs in with SASL <c>MSSBCBS</c> (which says nothing about who it is), then puts a
/// SAS token here for each link before attaching it: operation=put-token, type=servicebus.windows.net:sastoken,
/// name=the audience (e.g. <c>sb://127.0.0.1:PORT/results</c>), the token as an amqp-value string. The answer is
/// status-code 202, or 401 with the reason, which the SDK raises as <see cref="UnauthorizedAccessException"/>.
/// </summary>
internal sealed class CbsNode(SasTokenValidator validator, ConnectionAuthorizations authorizations)
{
    public Message Handle(Request request)
    {
        var properties = request.Message.ApplicationProperties;
        if (request.Operation != "put-token")
            return Answer(400, $"Unsupported $cbs operation '{request.Operation}'.");
        if (properties?["type"] as string != "servicebus.windows.net:sastoken")
            return Answer(401, $"Token type '{properties?["type"]}' is not accepted: only SAS tokens are emulated.");

        var audience = properties["name"] as string ?? "";
        var problem = validator.Validate(request.Message.Body as string, audience, out var expiresAt);
        if (problem is not null)
            return Answer(401, "Unauthorized: " + problem);

        authorizations.Grant(request.Connection, audience, expiresAt);
        return Answer(202, "Accepted");
    }

    private static Message Answer(int status, string description) => new()
    {
        ApplicationProperties = new ApplicationProperties
        {
            ["status-code"] = status,
            ["status-description"] = description,
        },
    };
}
