using Campaigns.Domain.Events;
using Campaigns.Domain.Network;
using Campaigns.Domain.Validation;

namespace Campaigns.Domain.Webhooks;

/// <summary>A webhook subscription as a client sent it, before any rule was applied (null = absent).</summary>
/// <param name="Events">The filter entries; a null entry is one that was not a string.</param>
/// <param name="BatchSize">At most this many events per request (null = absent: one event a request).</param>
public sealed record WebhookDraft(string? Url, IReadOnlyList<string?>? Events, string? Secret, int? BatchSize = null);

/// <summary>
/// A valid subscription: an absolute URL, at least one distinct event filter, the secret if the client chose one, and
/// the most events one request carries (1: each event is its own request, a CloudEvent; more: a JSON array of
/// CloudEvents, the CloudEvents batch format).
/// </summary>
public sealed record WebhookSpec(Uri Url, IReadOnlyList<string> Events, string? Secret, int BatchSize = 1);

/// <summary>
/// The rules of a webhook subscription:
/// <list type="bullet">
/// <item><c>url</c> is required, absolute, at most 2,048 characters, without user name or password, and <c>https</c>;
/// <c>http</c> only for a loopback host (<c>localhost</c>, <c>127.0.0.1</c>, <c>[::1]</c>) or when the deployment allows
/// it (setting <c>Webhooks:AllowHttp</c>). A host written as an IP address must be one the deployment's
/// <see cref="EgressPolicy"/> connects to (never a private, link-local, metadata or reserved address; loopback only in
/// Development), and <c>localhost</c> only where loopback is allowed. A name is checked again, against what it resolves
/// to, every time a connection is made: this check only refuses early what could never be delivered.</item>
/// <item><c>events</c> is optional (absent or null = <c>["*"]</c>, every event); when present, a non-empty list of at
/// most 50 entries, each a filter <see cref="EventTypes.IsValidFilter"/> accepts. Repeated entries are kept once.</item>
/// <item><c>secret</c> is optional (absent = one is generated); when present, 16 to 256 characters, no control
/// characters.</item>
/// <item><c>batch_size</c> is optional (absent = 1); when present, 1 to 500: the most events one request carries. A
/// receiver that takes batches keeps up with a campaign dialing hundreds of calls a second, where one event a request is
/// bound by the round trip (events of a campaign go one request at a time, in order).</item>
/// </list>
/// </summary>
public static class WebhookRules
{
    public const int MaxUrlLength = 2048;
    public const int MaxEvents = 50;
    public const int MinSecretLength = 16;
    public const int MaxSecretLength = 256;

    /// <summary>The most webhooks one account may have.</summary>
    public const int MaxPerAccount = 25;

    public static readonly IReadOnlyList<string> AllEvents = ["*"];

    /// <summary>The most events one request may carry: a stream page's worth.</summary>
    public const int MaxBatchSize = 500;

    /// <summary>The valid subscription, or null with every broken rule added to <paramref name="errors"/>.</summary>
    public static WebhookSpec? Validate(WebhookDraft draft, bool allowHttp, EgressPolicy egress, ValidationErrors errors)
    {
        var url = Url(draft.Url, allowHttp, egress, errors);
        var events = Events(draft.Events, errors);
        Secret(draft.Secret, errors);
        if (draft.BatchSize is { } size and (< 1 or > MaxBatchSize) && !errors.Has("batch_size"))
            errors.Add("batch_size", $"must be an integer from 1 to {MaxBatchSize} (events per request; leave it out for one event a request)");
        return errors.Any || url is null || events is null ? null : new WebhookSpec(url, events, draft.Secret, draft.BatchSize ?? 1);
    }

    private static Uri? Url(string? text, bool allowHttp, EgressPolicy egress, ValidationErrors errors)
    {
        const string field = "url";
        if (errors.Has(field))
            return null;
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add(field, "is required: the https URL that receives the events");
            return null;
        }
        if (text.Length > MaxUrlLength)
        {
            errors.Add(field, $"must be at most {MaxUrlLength} characters (got {text.Length})");
            return null;
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.Host.Length == 0)
        {
            errors.Add(field, "must be an absolute https URL such as https://example.com/hooks/campaigns");
            return null;
        }
        if (uri.UserInfo.Length > 0)
        {
            errors.Add(field, "must not contain a user name or password; authenticate the request by its signature");
            return null;
        }
        if (egress.LiteralHostProblem(uri) is { } problem)
        {
            errors.Add(field, problem);
            return null;
        }
        if (uri.Scheme == "http" && !uri.IsLoopback && !allowHttp)
        {
            errors.Add(field, "must use https (http is accepted only for localhost)");
            return null;
        }
        return uri;
    }

    private static List<string>? Events(IReadOnlyList<string?>? entries, ValidationErrors errors)
    {
        const string field = "events";
        if (errors.Has(field))
            return null;
        if (entries is null)
            return [.. AllEvents];
        if (entries.Count == 0)
        {
            errors.Add(field, "must list at least one event type; leave it out to receive every event");
            return null;
        }
        if (entries.Count > MaxEvents)
        {
            errors.Add(field, $"must list at most {MaxEvents} entries (got {entries.Count})");
            return null;
        }
        var filters = new List<string>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            var path = ValidationErrors.Index(field, i);
            if (errors.Has(path))
                continue;
            var entry = entries[i];
            if (entry is null)
                errors.Add(path, "must be a string: an event type such as call.completed, a subject such as campaign.*, or *");
            else if (!EventTypes.IsValidFilter(entry))
                errors.Add(path, $"'{Shorten(entry)}' is not an event type; use one of {string.Join(", ", EventTypes.All)}, a subject such as campaign.*, or *");
            else if (!filters.Contains(entry, StringComparer.Ordinal))
                filters.Add(entry);
        }
        return filters;
    }

    private static void Secret(string? secret, ValidationErrors errors)
    {
        const string field = "secret";
        if (secret is null || errors.Has(field))
            return;
        if (secret.Length is < MinSecretLength or > MaxSecretLength)
            errors.Add(field, $"must be {MinSecretLength} to {MaxSecretLength} characters (got {secret.Length}); leave it out to have one generated");
        else if (secret.Any(char.IsControl))
            errors.Add(field, "must not contain control characters");
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "...";
}
