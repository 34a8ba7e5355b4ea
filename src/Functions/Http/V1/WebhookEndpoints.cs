using System.Globalization;
using System.Text.Json;
using Campaigns.Domain.Network;
using Campaigns.Domain.Validation;
using Campaigns.Domain.Webhooks;
using Campaigns.Functions.Http.Auth;
using Campaigns.Functions.Integration.Webhooks;
using Campaigns.Functions.Storage;
using NodaTime;

namespace Campaigns.Functions.Http.V1;

// The JSON shapes of /v1/webhooks. Property names become snake_case through the app's JSON options.

/// <summary>A webhook as listed and fetched: never its secret.</summary>
public sealed record WebhookView(string Id, string Url, IReadOnlyList<string> Events, string CreatedAt, int BatchSize);

/// <summary>The create reply: the only one that shows the secret.</summary>
public sealed record CreatedWebhookView(string Id, string Url, IReadOnlyList<string> Events, string CreatedAt, int BatchSize, string Secret);

public sealed record WebhookListView(IReadOnlyList<WebhookView> Data);

/// <summary>One delivery attempt. <c>outcome</c> is <c>delivered</c>, <c>retrying</c> or <c>failed</c>; <c>status_code</c> is null when no answer came.</summary>
public sealed record WebhookDeliveryView(
    string Id, string EventId, string EventType, string CampaignId, int Attempt, int? StatusCode, string Outcome, string? Error,
    long DurationMs, string AttemptedAt, string? NextAttemptAt);

public sealed record WebhookDeliveryListView(IReadOnlyList<WebhookDeliveryView> Data);

/// <summary>The create request, for the OpenAPI document; the endpoint reads the body itself to report every wrong field.</summary>
public sealed record CreateWebhookRequest(string Url, IReadOnlyList<string>? Events, string? Secret, int? BatchSize);

/// <summary>
/// Webhook subscriptions (<c>/v1/webhooks...</c>): each account registers up to 25 URLs that receive its events,
/// signed with the webhook's secret. A create past the 25th is a 409 (the account's state, not the request, is in the
/// way: delete one and the same request succeeds). Every handler is scoped to the caller's account; another
/// account's webhook is a 404, as if it did not exist.
/// </summary>
internal static class WebhookEndpoints
{
    public const int DefaultDeliveriesLimit = 50;
    public const int MaxDeliveriesLimit = 200;
    private static readonly HashSet<string> Fields = ["url", "events", "secret", "batch_size"];

    public static void MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var hooks = app.MapGroup("/v1/webhooks").RequireAccount().WithTags("Webhooks");

        hooks.MapPost("", CreateAsync).WithName("CreateWebhook")
            .Accepts<CreateWebhookRequest>("application/json")
            .Produces<CreatedWebhookView>(StatusCodes.Status201Created)
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415)
            .WithSummary("Register a webhook")
            .WithDescription(
                "events defaults to [\"*\"] (every event); entries are event types, subjects such as campaign.*, or *. " +
                "Without a secret one is generated. The reply is the only time the secret is shown. batch_size (1 to 500, default 1): the most " +
                "events one request carries; above 1 the body is a JSON array of CloudEvents (application/cloudevents-batch+json). " +
                "An account has at most 25 webhooks (409 beyond).");
        hooks.MapGet("", ListAsync).WithName("ListWebhooks")
            .Produces<WebhookListView>().ProducesProblem(401)
            .WithSummary("List the account's webhooks, newest first");
        hooks.MapGet("/{id}", GetAsync).WithName("GetWebhook")
            .Produces<WebhookView>().ProducesProblem(401).ProducesProblem(404)
            .WithSummary("Get a webhook (without its secret)");
        hooks.MapDelete("/{id}", DeleteAsync).WithName("DeleteWebhook")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(401).ProducesProblem(404)
            .WithSummary("Delete a webhook");
        hooks.MapGet("/{id}/deliveries", ListDeliveriesAsync).WithName("ListWebhookDeliveries")
            .Produces<WebhookDeliveryListView>().ProducesProblem(400).ProducesProblem(401).ProducesProblem(404)
            .WithSummary("The webhook's delivery log, newest first")
            .WithDescription($"limit: 1 to {MaxDeliveriesLimit}, default {DefaultDeliveriesLimit}.");
    }

    private static async Task<IResult> CreateAsync(
        HttpContext http, WebhookStore store, WebhookOptions options, EgressPolicy egress, TimeProvider time, CancellationToken cancellationToken)
    {
        var (document, problem) = await JsonBody.ReadObjectAsync(http.Request, cancellationToken);
        if (problem is not null)
            return problem;
        var errors = new ValidationErrors();
        WebhookSpec? spec = null;
        using (document)
        {
            if (JsonBody.Read(() => spec = WebhookRules.Validate(Read(document!.RootElement, errors), options.AllowHttp, egress, errors)) is { } unreadable)
                return unreadable;
        }
        if (spec is null)
            return Problems.Validation(errors.All);

        var created = await store.CreateAsync(
            http.AccountId(), spec.Url, spec.Events, spec.Secret ?? WebhookSecrets.Generate(), Instant.FromDateTimeOffset(time.GetUtcNow()), cancellationToken, spec.BatchSize);
        if (created is null)
        {
            return Problems.Conflict(
                $"The account already has {WebhookRules.MaxPerAccount} webhooks, the most it may have; delete one first.",
                new Dictionary<string, object?> { ["limit"] = WebhookRules.MaxPerAccount });
        }
        return Results.Created($"/v1/webhooks/{created.Id}",
            new CreatedWebhookView(created.Id, created.Url, created.Events, CampaignViews.Utc(created.CreatedAt), created.BatchSize, created.Secret));
    }

    /// <summary>Reads the JSON shape of a create request; the rules are <see cref="WebhookRules"/>'s.</summary>
    private static WebhookDraft Read(JsonElement root, ValidationErrors errors)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (!Fields.Contains(property.Name))
                errors.Add(property.Name, $"is not a field of a webhook; known fields are {string.Join(", ", Fields)}");
        }
        List<string?>? events = null;
        if (root.TryGetProperty("events", out var array) && array.ValueKind != JsonValueKind.Null)
        {
            if (array.ValueKind != JsonValueKind.Array)
                errors.Add("events", "must be an array of event types such as [\"call.completed\", \"campaign.*\"]");
            else
            {
                events = [];
                foreach (var element in array.EnumerateArray())
                    events.Add(element.ValueKind == JsonValueKind.String ? EventEntry(element, ValidationErrors.Index("events", events.Count), errors) : null);
            }
        }
        return new WebhookDraft(
            CreateCampaignReader.String(root, "url", "url", errors),
            events,
            CreateCampaignReader.String(root, "secret", "secret", errors),
            CreateCampaignReader.Integer(root, "batch_size", "batch_size", errors));
    }

    /// <summary>A string entry of <c>events</c>; a lone-surrogate escape is an error, not an exception.</summary>
    private static string? EventEntry(JsonElement element, string path, ValidationErrors errors)
    {
        try
        {
            return element.GetString();
        }
        catch (InvalidOperationException)
        {
            errors.Add(path, "contains an invalid Unicode escape (a lone surrogate)");
            return null;
        }
    }

    private static async Task<IResult> ListAsync(HttpContext http, WebhookStore store, CancellationToken cancellationToken)
    {
        var hooks = await store.ListAsync(http.AccountId(), cancellationToken);
        return Results.Ok(new WebhookListView(hooks.Select(View).ToList()));
    }

    private static async Task<IResult> GetAsync(HttpContext http, string id, WebhookStore store, CancellationToken cancellationToken)
    {
        var hook = await store.GetAsync(http.AccountId(), id, cancellationToken);
        return hook is null ? WebhookNotFound(id) : Results.Ok(View(hook));
    }

    private static async Task<IResult> DeleteAsync(HttpContext http, string id, WebhookStore store, CancellationToken cancellationToken) =>
        await store.DeleteAsync(http.AccountId(), id, cancellationToken) ? Results.NoContent() : WebhookNotFound(id);

    private static async Task<IResult> ListDeliveriesAsync(
        HttpContext http, string id, WebhookStore store, WebhookDeliveryLog log, CancellationToken cancellationToken)
    {
        var limitText = http.Request.Query["limit"].ToString();
        var limit = DefaultDeliveriesLimit;
        if (limitText.Length > 0 && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxDeliveriesLimit))
            return Problems.Validation("limit", $"must be an integer from 1 to {MaxDeliveriesLimit}");

        var hook = await store.GetAsync(http.AccountId(), id, cancellationToken);
        if (hook is null)
            return WebhookNotFound(id);
        var deliveries = await log.ListAsync(hook.AccountId, hook.Id, limit, cancellationToken);
        return Results.Ok(new WebhookDeliveryListView(deliveries.Select(d => new WebhookDeliveryView(
            d.Id, d.Record.EventId, d.Record.EventType, d.Record.CampaignId, d.Record.Attempt, d.Record.StatusCode, d.Record.Outcome,
            d.Record.Error, d.Record.DurationMs, CampaignViews.Utc(d.Record.AttemptedAt),
            d.Record.NextAttemptAt is { } next ? CampaignViews.Utc(next) : null)).ToList()));
    }

    private static WebhookView View(Webhook hook) => new(hook.Id, hook.Url, hook.Events, CampaignViews.Utc(hook.CreatedAt), hook.BatchSize);

    private static IResult WebhookNotFound(string id) =>
        Problems.NotFound($"No webhook '{(id.Length <= 64 ? id : id[..64] + "...")}' in this account.");
}
