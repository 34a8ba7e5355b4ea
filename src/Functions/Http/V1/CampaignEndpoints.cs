using System.Text.Json;
using Campaigns.Domain.Calls;
using Campaigns.Domain.Campaigns;
using Campaigns.Domain.Contacts;
using Campaigns.Domain.Validation;
using Campaigns.Functions.Campaigns;
using Campaigns.Functions.Http.Auth;
using Campaigns.Functions.Storage;
using NodaTime;
using NodaTime.Text;

namespace Campaigns.Functions.Http.V1;

/// <summary>The Campaigns API (<c>/v1/campaigns...</c>), seed 000. Every handler is scoped to the caller's account.</summary>
internal static class CampaignEndpoints
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;
    public const int MaxContactsLimit = 1000;
    public const int MaxPhonesPerRemoval = 10_000;
    private const int MaxIdempotencyKeyLength = 255;

    public static void MapCampaignsV1(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1/campaigns").RequireAccount().WithTags("Campaigns API (/v1)");

        v1.MapPost("", CreateAsync).WithName("CreateCampaign")
            .Accepts<CreateCampaignRequest>("application/json")
            .Produces<CampaignView>(StatusCodes.Status201Created)
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(413).ProducesProblem(415)
            .WithSummary("Create a campaign")
            .WithDescription("Starts in status scheduled. Send an Idempotency-Key header to make a retried request return the first one's campaign.");
        v1.MapGet("", ListAsync).WithName("ListCampaigns")
            .Produces<CampaignListView>().ProducesProblem(400).ProducesProblem(401)
            .WithSummary("List campaigns, newest first");
        v1.MapGet("/{id}", GetAsync).WithName("GetCampaign")
            .Produces<CampaignDetailView>().ProducesProblem(401).ProducesProblem(404)
            .WithSummary("Get a campaign with its progress counters");
        v1.MapPatch("/{id}", UpdateAsync).WithName("UpdateCampaignStatus")
            .Accepts<UpdateCampaignRequest>("application/json")
            .Produces<CampaignDetailView>().ProducesProblem(400).ProducesProblem(401).ProducesProblem(404).ProducesProblem(409)
            .WithSummary("Start, pause, resume or stop a campaign");
        v1.MapDelete("/{id}/contacts", RemoveContactsAsync).WithName("RemoveContacts")
            .Accepts<RemoveContactsRequest>("application/json")
            .Produces<RemoveContactsView>().ProducesProblem(400).ProducesProblem(401).ProducesProblem(404).ProducesProblem(409)
            .WithSummary("Remove pending contacts (DNC suppression)");
        v1.MapGet("/{id}/contacts", ListContactsAsync).WithName("ListContacts")
            .Produces<ContactListView>().ProducesProblem(400).ProducesProblem(401).ProducesProblem(404)
            .WithSummary("List a campaign's contacts with their custom fields and status");
    }

    private static async Task<IResult> CreateAsync(HttpContext http, CampaignCommands commands, CancellationToken cancellationToken)
    {
        var idempotencyKey = http.Request.Headers["Idempotency-Key"].ToString();
        if (idempotencyKey.Length > MaxIdempotencyKeyLength)
            return Problems.Validation("Idempotency-Key", $"must be at most {MaxIdempotencyKeyLength} characters");

        var (document, problem) = await JsonBody.ReadObjectAsync(http.Request, cancellationToken);
        if (problem is not null)
            return problem;
        CampaignSpec? spec = null;
        var errors = new ValidationErrors();
        using (document)
        {
            if (JsonBody.Read(() => spec = CampaignRules.Validate(CreateCampaignReader.Read(document!.RootElement, errors), errors)) is { } unreadable)
                return unreadable;
        }
        if (spec is null)
            return Problems.Validation(errors.All);

        var (stored, replayed) = await commands.CreateAsync(http.AccountId(), spec, idempotencyKey.Length == 0 ? null : idempotencyKey, cancellationToken);
        if (replayed)
            http.Response.Headers["Idempotent-Replayed"] = "true";
        return Results.Created($"/v1/campaigns/{stored.Campaign.Id}", CampaignViews.Created(stored.Campaign));
    }

    /// <summary>The campaign with its live counters (the sum of its shards' rows).</summary>
    private static async Task<Campaign> WithCountersAsync(StoredCampaign stored, ShardStore shards, CancellationToken cancellationToken) =>
        stored.Campaign with { Counters = await shards.CountersAsync(stored.Campaign.Id, stored.ContactShards, cancellationToken) };

    private static async Task<IResult> ListAsync(HttpContext http, CampaignStore store, ShardStore shards, CancellationToken cancellationToken)
    {
        var query = http.Request.Query;
        var errors = new ValidationErrors();
        CampaignStatus? status = null;
        if (query.TryGetValue("status", out var statusText))
        {
            if (CampaignStatusNames.TryParse(statusText.ToString(), out var parsed))
                status = parsed;
            else
                errors.Add("status", "must be one of scheduled, running, paused, completed, stopped");
        }
        var from = DateBound(query["from"].ToString(), "from", endOfDay: false, errors);
        var to = DateBound(query["to"].ToString(), "to", endOfDay: true, errors);
        if (from is not null && to is not null && to < from)
            errors.Add("to", "must not be before from");
        var limit = IntParameter(query["limit"].ToString(), "limit", DefaultLimit, 1, MaxLimit, errors);
        var offset = IntParameter(query["offset"].ToString(), "offset", 0, 0, 1_000_000, errors);
        if (errors.Any)
            return Problems.Validation(errors.All);

        var (page, hasMore) = await store.ListAsync(http.AccountId(), new CampaignQuery(status, from, to, limit, offset), cancellationToken);
        var withCounters = await Task.WhenAll(page.Select(c => WithCountersAsync(c, shards, cancellationToken)));
        return Results.Ok(new CampaignListView(
            withCounters.Select(CampaignViews.Detail).ToList(),
            new PaginationView(limit, offset, page.Count, hasMore, hasMore ? offset + page.Count : null)));
    }

    private static async Task<IResult> GetAsync(HttpContext http, string id, CampaignStore store, ShardStore shards, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(http.AccountId(), id, cancellationToken);
        return stored is null ? CampaignNotFound(id) : Results.Ok(CampaignViews.Detail(await WithCountersAsync(stored, shards, cancellationToken)));
    }

    private static async Task<IResult> UpdateAsync(HttpContext http, string id, CampaignCommands commands, ShardStore shards, CancellationToken cancellationToken)
    {
        var (document, problem) = await JsonBody.ReadObjectAsync(http.Request, cancellationToken);
        if (problem is not null)
            return problem;
        var errors = new ValidationErrors();
        string? actionText = null;
        using (document)
        {
            var unreadable = JsonBody.Read(() =>
            {
                foreach (var property in document!.RootElement.EnumerateObject())
                {
                    if (property.Name != "action")
                        errors.Add(property.Name, "is not a field of this request; send only action");
                }
                actionText = CreateCampaignReader.String(document.RootElement, "action", "action", errors);
            });
            if (unreadable is not null)
                return unreadable;
        }
        CampaignTrigger action = default;
        if (!errors.Has("action") && !CampaignStatusNames.TryParseAction(actionText, out action))
            errors.Add("action", actionText is null ? "is required: one of start, pause, resume, stop" : "must be one of start, pause, resume, stop");
        if (errors.Any)
            return Problems.Validation(errors.All);

        try
        {
            var stored = await commands.ApplyAsync(http.AccountId(), id, action, cancellationToken);
            return stored is null ? CampaignNotFound(id) : Results.Ok(CampaignViews.Detail(await WithCountersAsync(stored, shards, cancellationToken)));
        }
        catch (IllegalTransitionException ex)
        {
            return Problems.Conflict(ex.Message, new Dictionary<string, object?>
            {
                ["current_status"] = ex.Current.ToWire(),
                ["action"] = ex.Trigger.ToWire(),
            });
        }
    }

    private static async Task<IResult> RemoveContactsAsync(HttpContext http, string id, CampaignCommands commands, CancellationToken cancellationToken)
    {
        var (document, problem) = await JsonBody.ReadObjectAsync(http.Request, cancellationToken);
        if (problem is not null)
            return problem;
        var errors = new ValidationErrors();
        var phones = new List<PhoneNumber>();
        var unmatchable = new HashSet<string>(StringComparer.Ordinal); // well-formed numbers no campaign can hold
        using (document)
        {
            var root = document!.RootElement;
            if (JsonBody.Read(() =>
                {
                    foreach (var property in root.EnumerateObject())
                    {
                        if (property.Name != "phones")
                            errors.Add(property.Name, "is not a field of this request; send only phones");
                    }
                }) is { } unreadable)
            {
                return unreadable;
            }
            if (!root.TryGetProperty("phones", out var array) || array.ValueKind != JsonValueKind.Array)
                errors.Add("phones", "is required: an array of E.164 phone numbers");
            else if (array.GetArrayLength() == 0)
                errors.Add("phones", "must contain at least one phone number");
            else if (array.GetArrayLength() > MaxPhonesPerRemoval)
                errors.Add("phones", $"has {array.GetArrayLength()} numbers; at most {MaxPhonesPerRemoval} are accepted in one request");
            else
            {
                var index = 0;
                foreach (var element in array.EnumerateArray())
                {
                    var path = ValidationErrors.Index("phones", index++);
                    var text = element.ValueKind == JsonValueKind.String ? CreateCampaignReader.String(array, index - 1, path, errors) : null;
                    if (element.ValueKind != JsonValueKind.String)
                        errors.Add(path, "must be a string in E.164 format");
                    else if (errors.Has(path))
                        continue;
                    else
                    {
                        var entry = ContactRemoval.Read(text);
                        if (entry.Error is { } error)
                            errors.Add(path, error);
                        else if (entry.Phone is { } phone)
                            phones.Add(phone);
                        else
                            unmatchable.Add(text!);
                    }
                }
            }
        }
        if (errors.Any)
            return Problems.Validation(errors.All);

        try
        {
            var result = await commands.RemoveContactsAsync(http.AccountId(), id, phones, cancellationToken);
            return result is null
                ? CampaignNotFound(id)
                : Results.Ok(new RemoveContactsView(result.Removed, result.NotFound + unmatchable.Count, result.AlreadyCalled));
        }
        catch (IllegalTransitionException ex)
        {
            return Problems.Conflict(ex.Message, new Dictionary<string, object?> { ["current_status"] = ex.Current.ToWire() });
        }
    }

    private static async Task<IResult> ListContactsAsync(
        HttpContext http, string id, CampaignStore campaigns, ContactStore contacts, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var limit = IntParameter(http.Request.Query["limit"].ToString(), "limit", 100, 1, MaxContactsLimit, errors);
        var cursorText = http.Request.Query["cursor"].ToString();
        var cursor = ContactCursor.TryDecode(cursorText, id);
        if (cursorText.Length > 0 && cursor is null)
            errors.Add("cursor", "is not a cursor of this campaign's contact list; use next_cursor from a previous page");
        if (errors.Any)
            return Problems.Validation(errors.All);
        var stored = await campaigns.GetAsync(http.AccountId(), id, cancellationToken);
        if (stored is null)
            return CampaignNotFound(id);
        var (page, next) = await contacts.ListAsync(id, stored.ContactShards, cursor, limit, cancellationToken);
        return Results.Ok(new ContactListView(page.Select(c => CampaignViews.Contact(c.State, stored.Campaign.Status,
            n => new AttemptId(stored.Campaign.Id, ContactSharding.ShardOfPartition(c.PartitionKey), c.State.Spec.Phone.E164, n).ToString())).ToList(), next));
    }

    private static IResult CampaignNotFound(string id) => Problems.NotFound($"No campaign '{id}' in this account.");

    private static int IntParameter(string text, string name, int @default, int min, int max, ValidationErrors errors)
    {
        if (text.Length == 0)
            return @default;
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value))
        {
            errors.Add(name, $"must be an integer from {min} to {max}");
            return @default;
        }
        if (value < min || value > max)
            errors.Add(name, $"must be an integer from {min} to {max} (got {value})");
        return value;
    }

    /// <summary>
    /// <c>from</c>/<c>to</c>: an ISO 8601 date (UTC day, inclusive: <c>to=2024-01-31</c> includes the whole day) or
    /// a full instant with Z or an offset (exact).
    /// </summary>
    private static Instant? DateBound(string text, string name, bool endOfDay, ValidationErrors errors)
    {
        if (text.Length == 0)
            return null;
        var date = LocalDatePattern.Iso.Parse(text);
        if (date.Success)
        {
            var day = date.Value;
            return endOfDay
                ? day.PlusDays(1).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant() - Duration.FromMilliseconds(1)
                : day.AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();
        }
        var instant = OffsetDateTimePattern.ExtendedIso.Parse(text);
        if (instant.Success)
            return instant.Value.ToInstant();
        var utc = InstantPattern.ExtendedIso.Parse(text);
        if (utc.Success)
            return utc.Value;
        errors.Add(name, "must be an ISO 8601 date such as 2024-01-01 (or a date-time with Z or an offset)");
        return null;
    }
}
