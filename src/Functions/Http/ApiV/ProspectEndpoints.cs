using System.Text.Json;
using Campaigns.Domain.Prospects;
using Campaigns.Domain.Validation;
using Campaigns.Functions.Campaigns;
using Campaigns.Functions.Http.Auth;
using Campaigns.Functions.Storage;

namespace Campaigns.Functions.Http.ApiV;

public sealed record ListCountsView(int Attempted, int Valid, int Dupes, int Dnc, int Invalid);

/// <summary>A list: its counts sum its single prospects and every upload; <c>uploads</c> is its upload history, oldest first.</summary>
public sealed record ListView(string Uuid, string Slug, string Name, string Campaign, string CreatedAt, ListCountsView Counts, IReadOnlyList<UploadView> Uploads);

public sealed record ProspectView(string Status, string PrimaryPhone, string? FirstName, string? LastName, string? State, string? Timezone, string List);

/// <summary>
/// Prospect lists (<c>POST /api/v/list/</c>, <c>GET /api/v/list/{slug}/</c>) and single prospects
/// (<c>POST /api/v/prospect/{list_uuid}/</c>, form fields as in the seed's example).
/// </summary>
internal static class ProspectEndpoints
{
    private const int MaxNameLength = 255;

    public static void MapProspects(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v").RequireAccount().WithTags("Campaign Scheduler API (/api/v)");
        group.MapPost("/list/", CreateListAsync).WithName("SchedulerCreateList").WithSummary("Create a prospect list for a campaign");
        group.MapGet("/list/{slug}/", GetListAsync).WithName("SchedulerGetList").WithSummary("A list with its counts");
        group.MapPost("/prospect/{list_uuid}/", AddProspectAsync).WithName("SchedulerAddProspect").WithSummary("Add one prospect to a list (form data)")
            .DisableAntiforgery();
    }

    internal static ListView View(ProspectList list, IReadOnlyList<Upload> uploads)
    {
        var counts = uploads.Aggregate(list.Counts, (sum, upload) => sum.Plus(upload.Counts));
        return new(list.Id, list.Slug, list.Name, list.CampaignSlug, V1.CampaignViews.Utc(list.CreatedAt),
            new ListCountsView(counts.Attempted, counts.Valid, counts.Dupes, counts.Dnc, counts.Invalid), uploads.Select(UploadEndpoints.View).ToList());
    }

    /// <summary>A JSON object or a form: <c>name</c> and <c>campaign</c> (the campaign's slug).</summary>
    private static async Task<IResult> CreateListAsync(HttpContext http, ProspectCommands commands, CancellationToken cancellationToken)
    {
        string? name, campaign;
        if (http.Request.HasFormContentType)
        {
            var form = await http.Request.ReadFormAsync(cancellationToken);
            (name, campaign) = (form["name"].ToString(), form["campaign"].ToString());
        }
        else
        {
            var (document, problem) = await JsonBody.ReadObjectAsync(http.Request, cancellationToken);
            if (problem is not null)
                return problem;
            using (document)
            {
                var root = document!.RootElement;
                name = root.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
                campaign = root.TryGetProperty("campaign", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            }
        }
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength)
            errors.Add("name", $"is required: a string of 1 to {MaxNameLength} characters");
        if (string.IsNullOrWhiteSpace(campaign))
            errors.Add("campaign", "is required: the slug of a campaign of this account");
        if (errors.Any)
            return Problems.Validation(errors.All);
        var list = await commands.CreateListAsync(http.AccountId(), name!.Trim(), campaign!, cancellationToken);
        return list is null
            ? Problems.Validation("campaign", $"no campaign '{campaign}' in this account")
            : Results.Json(View(list, []), statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> GetListAsync(HttpContext http, string slug, ListStore lists, UploadStore uploads, CancellationToken cancellationToken) =>
        await lists.FindBySlugAsync(http.AccountId(), slug, cancellationToken) is { } list
            ? Results.Json(View(list, await uploads.OfListAsync(list.AccountId, list.Id, cancellationToken)))
            : Problems.NotFound($"No list '{slug}' in this account.");

    /// <summary>
    /// One prospect, as form fields (<c>primary_phone</c>, <c>first_name</c>, <c>last_name</c>, optional <c>state</c>
    /// and <c>timezone</c>, any other field kept as a custom field). A row that is not valid is a 400 naming the field;
    /// a dupe is a 409 (nothing added); otherwise 201.
    /// </summary>
    private static async Task<IResult> AddProspectAsync(HttpContext http, string list_uuid, ListStore lists, CampaignStore campaigns,
        ProspectCommands commands, CancellationToken cancellationToken)
    {
        if (await lists.GetAsync(http.AccountId(), list_uuid, cancellationToken) is not { } list)
            return Problems.NotFound($"No list '{list_uuid}' in this account.");
        if (!http.Request.HasFormContentType)
            return Problems.UnsupportedMediaType("Send the prospect as form fields (application/x-www-form-urlencoded or multipart/form-data).");
        var form = await http.Request.ReadFormAsync(cancellationToken);
        var row = form.Select(f => new KeyValuePair<string, string?>(f.Key, f.Value.ToString())).ToList();
        var campaign = await campaigns.GetAsync(list.AccountId, list.CampaignId, cancellationToken);
        if (campaign?.Campaign.Dialer is not { } settings)
            return Problems.NotFound($"The campaign of list '{list.Slug}' no longer exists.");
        switch (ProspectRow.Parse(row, settings.LocaleName, lineNumber: 1))
        {
            case ProspectRowResult.Invalid invalid:
                await lists.AddCountsAsync(list.AccountId, list.Id, new ListCounts(1, 0, 0, 0, 1), cancellationToken);
                return Problems.Validation(invalid.Field, invalid.Reason);
            case ProspectRowResult.Valid { Prospect: var prospect }:
                var outcome = await commands.AddAsync(list, prospect, cancellationToken);
                var view = new ProspectView(outcome == ProspectOutcome.Added ? "added" : "dupe", prospect.Phone.E164, prospect.FirstName,
                    prospect.LastName, prospect.State, prospect.TimeZone, list.Id);
                return outcome == ProspectOutcome.Added
                    ? Results.Json(view, statusCode: StatusCodes.Status201Created)
                    : Problems.Conflict($"{prospect.Phone.E164} is a dupe: already in this campaign, or imported or dialed in this account within {settings.DupeDays} days.",
                        new Dictionary<string, object?> { ["reason"] = "dupe", ["primary_phone"] = prospect.Phone.E164 });
            default:
                throw new InvalidOperationException("Unknown row result");
        }
    }
}
