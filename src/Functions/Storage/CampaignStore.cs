using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Campaigns.Domain.Campaigns;
using Campaigns.Domain.Events;
using Campaigns.Functions.Integration.Events;
using Campaigns.Domain.Languages;
using Campaigns.Domain.Scheduling;
using NodaTime;
using NodaTime.Text;

namespace Campaigns.Functions.Storage;

/// <summary>
/// The engine's bookkeeping on a campaign row: when its orchestration last looked at it and when it means to look next
/// (null: only an event wakes it). Nothing is decided from these: the sweep compares them with the clock to find a
/// campaign whose orchestration is missing or stuck (<see cref="Engine.CampaignEngine.OverdueAsync"/>).
/// </summary>
internal sealed record EngineState(Instant? LastLookAt, Instant? NextLookAt)
{
    public static readonly EngineState None = new(null, null);
}

/// <summary>A campaign as stored: the Domain value, its account, contact shard count, engine state and the row's ETag.</summary>
internal sealed record StoredCampaign(string AccountId, Campaign Campaign, int ContactShards, ETag ETag)
{
    public EngineState Engine { get; init; } = EngineState.None;
}

/// <summary>Filters and paging of <c>GET /v1/campaigns</c>.</summary>
internal sealed record CampaignQuery(CampaignStatus? Status, Instant? CreatedFrom, Instant? CreatedTo, int Limit, int Offset)
{
    /// <summary>The Campaign Scheduler API's filters: only campaigns of this workspace / owner email.</summary>
    public string? Workspace { get; init; }

    public string? Email { get; init; }
}

/// <summary>
/// Campaign rows: table <c>campaigns</c>, PartitionKey = account id, RowKey = campaign id (newest first, see
/// <see cref="CampaignIds"/>). Idempotency records of create requests live in the same partition
/// (RowKey <c>idem_{sha256}</c>) so that a campaign and its idempotency record are written in one transaction.
/// </summary>
internal sealed class CampaignStore(CampaignTables tables, IOutboxSignal outbox)
{
    private const string IdempotencyPrefix = "idem_";
    private const string SlugPrefix = "slug_";
    private static readonly LocalDateTimePattern LocalPattern = LocalDateTimePattern.ExtendedIso;

    /// <summary>
    /// Inserts a new campaign row (insert-only: a clash means the id or idempotency key exists).
    /// Returns the stored row, or, when <paramref name="idempotencyKeyHash"/> was seen before, the id of the campaign
    /// that the first request created.
    /// </summary>
    public async Task<(StoredCampaign? Created, string? ExistingId)> InsertAsync(
        string accountId, Campaign campaign, int contactShards, string? idempotencyKeyHash, EngineState engine, CancellationToken cancellationToken)
    {
        var entity = ToEntity(accountId, campaign, contactShards, engine);
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Add, entity) };
        actions.AddRange(CreationEvents(accountId, campaign));
        if (idempotencyKeyHash is not null)
        {
            actions.Add(new(TableTransactionActionType.Add, new TableEntity(accountId, IdempotencyPrefix + idempotencyKeyHash)
            {
                ["CampaignId"] = campaign.Id,
            }));
        }
        try
        {
            var response = await outbox.SubmitAsync(tables.Campaigns, OutboxTable.Campaigns, actions, cancellationToken);
            return (new StoredCampaign(accountId, campaign, contactShards, response.Value[0].Headers.ETag ?? default) { Engine = engine }, null);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            if (await WrittenByThisRequestAsync(accountId, campaign, cancellationToken) is { } ours)
                return (ours, null); // a retried transaction whose first try was committed
            if (idempotencyKeyHash is null)
                throw;
            var existing = await tables.Campaigns.GetEntityIfExistsAsync<TableEntity>(
                accountId, IdempotencyPrefix + idempotencyKeyHash, cancellationToken: cancellationToken);
            if (existing.HasValue && existing.Value!.GetString("CampaignId") is { } id)
                return (null, id);
            throw;
        }
    }

    /// <summary>The campaign an earlier create request with the same idempotency key made, if any.</summary>
    public async Task<StoredCampaign?> FindByIdempotencyKeyAsync(string accountId, string keyHash, CancellationToken cancellationToken)
    {
        var record = await tables.Campaigns.GetEntityIfExistsAsync<TableEntity>(accountId, IdempotencyPrefix + keyHash, cancellationToken: cancellationToken);
        return record.HasValue && record.Value!.GetString("CampaignId") is { } id ? await GetAsync(accountId, id, cancellationToken) : null;
    }

    /// <summary>
    /// Inserts a Campaign Scheduler API campaign with its slug record (RowKey <c>slug_{slug}</c>, pointing at the
    /// campaign) in one transaction, so a slug names one campaign. Returns null when the slug is taken.
    /// </summary>
    public async Task<StoredCampaign?> InsertWithSlugAsync(string accountId, Campaign campaign, int contactShards, CancellationToken cancellationToken)
    {
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Add, ToEntity(accountId, campaign, contactShards, EngineState.None)),
            new(TableTransactionActionType.Add, new TableEntity(accountId, SlugPrefix + campaign.Slug) { ["CampaignId"] = campaign.Id }),
        };
        actions.AddRange(CreationEvents(accountId, campaign));
        try
        {
            var response = await outbox.SubmitAsync(tables.Campaigns, OutboxTable.Campaigns, actions, cancellationToken);
            return new StoredCampaign(accountId, campaign, contactShards, response.Value[0].Headers.ETag ?? default);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            // Either the slug is taken, or this very transaction was committed by a try the client gave up on.
            return await WrittenByThisRequestAsync(accountId, campaign, cancellationToken);
        }
    }

    /// <summary>
    /// The campaign row of <paramref name="campaign"/> when it exists already: the insert that answered 409 was a retry
    /// of a transaction whose first try was committed while the client stopped waiting (storage slower than the
    /// network timeout; the SDK then sends the same transaction again). Ids carry 36 random bits per millisecond, and the
    /// creation instant must match too, so such a row can only be this request's own.
    /// </summary>
    private async Task<StoredCampaign?> WrittenByThisRequestAsync(string accountId, Campaign campaign, CancellationToken cancellationToken)
    {
        var row = await tables.Campaigns.GetEntityIfExistsAsync<TableEntity>(accountId, campaign.Id, cancellationToken: cancellationToken);
        return row.HasValue && row.Value!.GetDateTimeOffset("CreatedAt") == campaign.CreatedAt.ToDateTimeOffset() ? FromEntity(row.Value) : null;
    }

    /// <summary>The campaign a slug names in an account, if any.</summary>
    public async Task<StoredCampaign?> FindBySlugAsync(string accountId, string slug, CancellationToken cancellationToken)
    {
        if (slug.Length is 0 or > 100)
            return null;
        var record = await tables.Campaigns.GetEntityIfExistsAsync<TableEntity>(accountId, SlugPrefix + slug, cancellationToken: cancellationToken);
        return record.HasValue && record.Value!.GetString("CampaignId") is { } id ? await GetAsync(accountId, id, cancellationToken) : null;
    }

    /// <summary>
    /// Deletes a campaign row and its slug record in one transaction, if the row still has its ETag. From then on no
    /// request and no timer finds the campaign; its contact rows are left for the purge.
    /// </summary>
    public async Task DeleteAsync(StoredCampaign stored, CancellationToken cancellationToken)
    {
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Delete, new TableEntity(stored.AccountId, stored.Campaign.Id), stored.ETag) };
        if (stored.Campaign.Slug is { } slug)
            actions.Add(new(TableTransactionActionType.Delete, new TableEntity(stored.AccountId, SlugPrefix + slug), ETag.All));
        try
        {
            await tables.Campaigns.SubmitTransactionAsync(actions, cancellationToken);
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 or 404)
        {
            throw new ConcurrencyConflictException($"Campaign {stored.Campaign.Id} changed concurrently", ex);
        }
    }

    public async Task<StoredCampaign?> GetAsync(string accountId, string campaignId, CancellationToken cancellationToken)
    {
        if (!CampaignIds.IsWellFormed(campaignId))
            return null;
        var response = await tables.Campaigns.GetEntityIfExistsAsync<TableEntity>(accountId, campaignId, cancellationToken: cancellationToken);
        return response.HasValue ? FromEntity(response.Value!) : null;
    }

    /// <summary>Replaces a campaign row if it still has <see cref="StoredCampaign.ETag"/>; a lost race raises <see cref="ConcurrencyConflictException"/>.</summary>
    public async Task<StoredCampaign> ReplaceAsync(StoredCampaign stored, Campaign updated, CancellationToken cancellationToken) =>
        await ReplaceAsync(stored, updated, stored.Engine, cancellationToken);

    /// <summary>Replaces a campaign row and its engine state if it still has <see cref="StoredCampaign.ETag"/>.</summary>
    public async Task<StoredCampaign> ReplaceAsync(StoredCampaign stored, Campaign updated, EngineState engine, CancellationToken cancellationToken)
    {
        var entity = ToEntity(stored.AccountId, updated, stored.ContactShards, engine);
        var announced = CampaignEvents.ForTransition(stored.Campaign.Status, updated.Status);
        try
        {
            if (announced is null)
            {
                var response = await tables.Campaigns.UpdateEntityAsync(entity, stored.ETag, TableUpdateMode.Replace, cancellationToken);
                return stored with { Campaign = updated, ETag = response.Headers.ETag ?? default, Engine = engine };
            }
            // A status change and its event, in one transaction: both or neither.
            var e = OutboxEvent.ForCampaign(announced, stored.AccountId, updated, stored.Campaign.Status, updated.UpdatedAt);
            var committed = await outbox.SubmitAsync(tables.Campaigns, OutboxTable.Campaigns,
                [new(TableTransactionActionType.UpdateReplace, entity, stored.ETag), OutboxRows.InCampaignPartition(stored.AccountId, e)], cancellationToken);
            return stored with { Campaign = updated, ETag = committed.Value[0].Headers.ETag ?? default, Engine = engine };
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            throw new ConcurrencyConflictException($"Campaign {updated.Id} changed concurrently", ex);
        }
    }

    /// <summary>One page of an account's campaigns, newest first, and whether more follow.</summary>
    public async Task<(IReadOnlyList<StoredCampaign> Page, bool HasMore)> ListAsync(
        string accountId, CampaignQuery query, CancellationToken cancellationToken)
    {
        var lower = query.CreatedTo is { } to ? CampaignIds.LowerBoundCreatedAtOrBefore(to) : CampaignIds.Prefix;
        var upper = query.CreatedFrom is { } from ? CampaignIds.UpperBoundCreatedAtOrAfter(from) : "cmp`"; // '`' follows '_'
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {accountId} and RowKey ge {lower} and RowKey lt {upper}");
        if (query.Status is { } status)
            filter += " and " + TableClient.CreateQueryFilter($"Status eq {status.ToWire()}");
        if (query.Workspace is { } workspace)
            filter += " and " + TableClient.CreateQueryFilter($"Workspace eq {workspace}");
        if (query.Email is { } email)
            filter += " and " + TableClient.CreateQueryFilter($"Email eq {email}");

        var page = new List<StoredCampaign>(query.Limit);
        var skipped = 0;
        var pageSize = Math.Min(1000, query.Offset + query.Limit + 1);
        await foreach (var entity in tables.Campaigns.QueryAsync<TableEntity>(filter, maxPerPage: pageSize, cancellationToken: cancellationToken))
        {
            if (skipped < query.Offset)
            {
                skipped++;
                continue;
            }
            if (page.Count == query.Limit)
                return (page, true);
            page.Add(FromEntity(entity));
        }
        return (page, false);
    }

    /// <summary>Every campaign that the engine may still have to act on (scheduled, running, paused), in any account.</summary>
    public async IAsyncEnumerable<StoredCampaign> ActiveAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter(
            $"RowKey ge {CampaignIds.Prefix} and RowKey lt {"cmp`"} and (Status eq {"scheduled"} or Status eq {"running"} or Status eq {"paused"})");
        await foreach (var entity in tables.Campaigns.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            yield return FromEntity(entity);
    }

    /// <summary>The outbox row of a new campaign: created, and started or paused when it is made so.</summary>
    private static IEnumerable<TableTransactionAction> CreationEvents(string accountId, Campaign campaign) =>
        [OutboxRows.InCampaignPartition(accountId, CampaignEvents.ForCreation(campaign.Status).Select(type =>
            OutboxEvent.ForCampaign(type, accountId, campaign, type == EventTypes.CampaignCreated ? null : CampaignStatus.Scheduled, campaign.CreatedAt)).ToList())];

    internal static TableEntity ToEntity(string accountId, Campaign c, int contactShards, EngineState? engine = null) => new(accountId, c.Id)
    {
        ["Name"] = c.Name,
        ["ScriptId"] = c.ScriptId,
        ["Language"] = c.Language.Value,
        ["ScheduleStart"] = c.Schedule is null ? null : LocalPattern.Format(c.Schedule.Start),
        ["ScheduleEnd"] = c.Schedule is null ? null : LocalPattern.Format(c.Schedule.End),
        ["ScheduleZone"] = c.Schedule?.Zone.Id,
        ["MaxAttempts"] = c.MaxAttempts,
        ["RetryIntervalMinutes"] = c.RetryIntervalMinutes,
        ["TotalContacts"] = c.TotalContacts,
        ["ContactShards"] = contactShards,
        ["Status"] = c.Status.ToWire(),
        ["CreatedAt"] = c.CreatedAt.ToDateTimeOffset(),
        ["UpdatedAt"] = c.UpdatedAt.ToDateTimeOffset(),
        ["LastLookAt"] = engine?.LastLookAt?.ToDateTimeOffset(),
        ["NextLookAt"] = engine?.NextLookAt?.ToDateTimeOffset(),
        ["Slug"] = c.Slug,
        ["Dialer"] = c.Dialer is null ? null : DialerSettingsWire.From(c.Dialer).ToJson(),
        ["Workspace"] = c.Dialer?.Workspace,
        ["Email"] = c.Dialer?.Email,
    };

    private static StoredCampaign FromEntity(TableEntity e)
    {
        CampaignSchedule? schedule = null;
        if (e.GetString("ScheduleZone") is { } zoneId)
        {
            schedule = CampaignSchedule.Create(
                LocalPattern.Parse(e.GetString("ScheduleStart")!).Value,
                LocalPattern.Parse(e.GetString("ScheduleEnd")!).Value,
                DateTimeZoneProviders.Tzdb[zoneId]);
        }
        LanguageTag.TryParse(e.GetString("Language"), out var language, out _);
        CampaignStatusNames.TryParse(e.GetString("Status"), out var status);
        var campaign = new Campaign(
            e.RowKey,
            e.GetString("Name")!,
            e.GetString("ScriptId")!,
            language,
            schedule,
            e.GetInt32("MaxAttempts") ?? 1,
            e.GetInt32("RetryIntervalMinutes") ?? 240,
            e.GetInt32("TotalContacts") ?? 0,
            status,
            Instant.FromDateTimeOffset(e.GetDateTimeOffset("CreatedAt")!.Value),
            Instant.FromDateTimeOffset(e.GetDateTimeOffset("UpdatedAt")!.Value),
            CampaignCounters.Zero)
        {
            Slug = e.GetString("Slug"),
            Dialer = e.GetString("Dialer") is { } dialer ? DialerSettingsWire.Parse(dialer) : null,
        };
        var lastLook = e.GetDateTimeOffset("LastLookAt");
        var nextLook = e.GetDateTimeOffset("NextLookAt");
        var engine = new EngineState(
            lastLook is null ? null : Instant.FromDateTimeOffset(lastLook.Value),
            nextLook is null ? null : Instant.FromDateTimeOffset(nextLook.Value));
        return new StoredCampaign(e.PartitionKey, campaign, e.GetInt32("ContactShards") ?? 1, e.ETag) { Engine = engine };
    }
}
