using System.Text.Json;
using System.Text.Json.Nodes;
using Campaigns.Domain.Campaigns;
using Campaigns.Domain.Dialer;
using Campaigns.Domain.Validation;
using Campaigns.Functions.Campaigns;
using Campaigns.Functions.Http.Auth;
using Campaigns.Functions.Storage;

namespace Campaigns.Functions.Http.ApiV;

/// <summary>
/// The Campaign Scheduler API's campaigns (<c>/api/v/campaign/...</c>), seed 002: the same campaigns and engine as
/// <c>/v1</c>, addressed by slug, with the dialer settings of the seed's table. Authentication by the
/// <c>access_token</c> cookie (or a Bearer header) with the account's API key; <c>workspace</c> groups campaigns
/// inside an account. Routes answer with or without the trailing slash the seed writes.
/// </summary>
internal static class SchedulerCampaignEndpoints
{
    public static void MapSchedulerCampaigns(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v/campaign").RequireAccount().WithTags("Campaign Scheduler API (/api/v)");
        group.MapGet("/", ListAsync).WithName("SchedulerListCampaigns").WithSummary("List campaigns, optionally by email or workspace");
        group.MapPost("/", CreateAsync).WithName("SchedulerCreateCampaign").WithSummary("Create a campaign");
        group.MapGet("/{slug}/", GetAsync).WithName("SchedulerGetCampaign").WithSummary("Get a campaign by slug");
        group.MapPut("/{slug}/", (HttpContext http, string slug, SchedulerCommands commands, ShardStore shards, CancellationToken ct) =>
            UpdateAsync(http, slug, commands, shards, patch: false, ct)).WithName("SchedulerReplaceCampaign").WithSummary("Replace a campaign's settings");
        group.MapPatch("/{slug}/", (HttpContext http, string slug, SchedulerCommands commands, ShardStore shards, CancellationToken ct) =>
            UpdateAsync(http, slug, commands, shards, patch: true, ct)).WithName("SchedulerPatchCampaign").WithSummary("Change some of a campaign's settings");
        group.MapDelete("/{slug}/", DeleteAsync).WithName("SchedulerDeleteCampaign").WithSummary("Delete a campaign; dialing stops");
        group.MapGet("/{slug}/status/", StatusAsync).WithName("SchedulerCampaignStatus").WithSummary("Running, Stopped, Completed or Inactive");
    }

    /// <summary>A campaign as this surface shows it: the settings of the seed's table, plus id, slug and times.</summary>
    internal static JsonObject View(Campaign campaign)
    {
        var view = JsonSerializer.SerializeToNode(DialerSettingsWire.From(campaign.Dialer!))!.AsObject();
        view.Insert(0, "id", campaign.Id);
        view.Insert(1, "slug", campaign.Slug);
        view["created_at"] = V1.CampaignViews.Utc(campaign.CreatedAt);
        view["updated_at"] = V1.CampaignViews.Utc(campaign.UpdatedAt);
        return view;
    }

    private static IResult NotFound(string slug) => Problems.NotFound($"No campaign '{slug}' in this account.");

    private static async Task<IResult> ListAsync(HttpContext http, CampaignStore store, CancellationToken cancellationToken)
    {
        var query = http.Request.Query;
        var baseQuery = new CampaignQuery(null, null, null, 1000, 0)
        {
            Workspace = query.TryGetValue("workspace", out var workspace) ? workspace.ToString() : null,
            Email = query.TryGetValue("email", out var email) ? email.ToString() : null,
        };
        var all = new JsonArray();
        for (var offset = 0; ; offset += baseQuery.Limit)
        {
            var (page, hasMore) = await store.ListAsync(http.AccountId(), baseQuery with { Offset = offset }, cancellationToken);
            foreach (var stored in page.Where(s => s.Campaign.Dialer is not null))
                all.Add(View(stored.Campaign));
            if (!hasMore)
                break;
        }
        return Results.Json(all);
    }

    private static async Task<IResult> CreateAsync(HttpContext http, SchedulerCommands commands, CancellationToken cancellationToken)
    {
        var (document, problem) = await JsonBody.ReadObjectAsync(http.Request, cancellationToken);
        if (problem is not null)
            return problem;
        var errors = new ValidationErrors();
        DialerSettings? settings;
        using (document)
            settings = DialerSettingsRules.Create(DialerSettingsReader.Read(document!.RootElement, errors), errors);
        if (settings is null)
            return Problems.Validation(errors.All);
        var created = await commands.CreateAsync(http.AccountId(), settings, cancellationToken);
        return Results.Json(View(created.Campaign), statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> GetAsync(HttpContext http, string slug, CampaignStore store, CancellationToken cancellationToken) =>
        await store.FindBySlugAsync(http.AccountId(), slug, cancellationToken) is { Campaign.Dialer: not null } stored
            ? Results.Json(View(stored.Campaign))
            : NotFound(slug);

    private static async Task<IResult> UpdateAsync(HttpContext http, string slug, SchedulerCommands commands, ShardStore shards, bool patch, CancellationToken cancellationToken)
    {
        var (document, problem) = await JsonBody.ReadObjectAsync(http.Request, cancellationToken);
        if (problem is not null)
            return problem;
        var errors = new ValidationErrors();
        DialerSettingsDraft draft;
        using (document)
            draft = DialerSettingsReader.Read(document!.RootElement, errors);
        var (stored, valid) = await commands.UpdateAsync(http.AccountId(), slug, current =>
        {
            var attempt = new ValidationErrors();
            foreach (var error in errors.All)
                attempt.Add(error.Field, error.Message);
            var result = patch ? DialerSettingsRules.Patch(current, draft, attempt) : DialerSettingsRules.Replace(draft, attempt);
            errors = attempt;
            return result;
        }, cancellationToken);
        if (stored is null)
            return NotFound(slug);
        return valid ? Results.Json(View(stored.Campaign)) : Problems.Validation(errors.All);
    }

    private static async Task<IResult> DeleteAsync(HttpContext http, string slug, SchedulerCommands commands, CancellationToken cancellationToken) =>
        await commands.DeleteAsync(http.AccountId(), slug, cancellationToken) ? Results.NoContent() : NotFound(slug);

    private static async Task<IResult> StatusAsync(HttpContext http, string slug, CampaignStore store, ShardStore shards, CancellationToken cancellationToken)
    {
        if (await store.FindBySlugAsync(http.AccountId(), slug, cancellationToken) is not { Campaign.Dialer: not null } stored)
            return NotFound(slug);
        var progress = await shards.ReadProgressAsync(stored.Campaign.Id, stored.ContactShards, cancellationToken);
        var status = SchedulerStatuses.Of(stored.Campaign, progress.Sum(p => p.Unresolved), progress.Sum(p => p.InProgress));
        return Results.Json(new { status = status.ToString() });
    }
}
