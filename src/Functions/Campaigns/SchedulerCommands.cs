using Campaigns.Domain.Campaigns;
using Campaigns.Domain.Dialer;
using Campaigns.Domain.Prospects;
using Campaigns.Functions.Engine;
using Campaigns.Functions.Storage;
using NodaTime;

namespace Campaigns.Functions.Campaigns;

/// <summary>
/// The write side of the Campaign Scheduler API's campaigns: the same campaign rows, contact shards and engine as
/// <c>/v1</c>, with dialer settings. Every write names the ETag it read; a lost race is decided again on a fresh read.
/// </summary>
internal sealed class SchedulerCommands(CampaignStore campaigns, ContactStore contacts, EngineQueues queues, TimeProvider time)
{
    private const int MaxConcurrencyRetries = 20;
    private const int MaxSlugSuffix = 1000;

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    /// <summary>
    /// Creates a campaign with a slug made from its name, unique within the account: a clash gets the first free
    /// suffix (<c>february-reminders-2</c>). Its shards' counter rows are written first, then the campaign row with
    /// its slug record in one transaction. An active, unpaused campaign is running at once and dials its prospects as
    /// they arrive.
    /// </summary>
    public async Task<StoredCampaign> CreateAsync(string accountId, DialerSettings settings, CancellationToken cancellationToken)
    {
        var now = Now;
        var id = CampaignIds.New(now);
        var shards = ContactSharding.OpenCampaignShards;
        await contacts.InsertNewAsync(id, shards, [], new ShardSettings(accountId, settings.MaxNumberCalls, settings.MinTimeBetweenCallsMinutes, null), cancellationToken);
        var baseSlug = Slug.From(settings.Name, "campaign");
        for (var n = 1; n <= MaxSlugSuffix; n++)
        {
            var slug = n == 1 ? baseSlug : Slug.WithSuffix(baseSlug, n);
            var campaign = Campaign.CreateOpen(id, slug, settings, now);
            if (await campaigns.InsertWithSlugAsync(accountId, campaign, shards, cancellationToken) is { } created)
                return created;
        }
        throw new InvalidOperationException($"No free slug for '{baseSlug}' after {MaxSlugSuffix} tries");
    }

    /// <summary>
    /// Replaces the settings (PUT) or merges a partial change into them (PATCH), through <paramref name="decide"/>
    /// which returns null (with errors) when the request is not valid. The engine reads the campaign row at every
    /// tick, so a change takes effect at the next tick on every instance; a campaign that starts dialing is nudged now.
    /// </summary>
    public async Task<(StoredCampaign? Campaign, bool Valid)> UpdateAsync(
        string accountId, string slug, Func<DialerSettings, DialerSettings?> decide, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var stored = await campaigns.FindBySlugAsync(accountId, slug, cancellationToken);
            if (stored?.Campaign.Dialer is not { } current)
                return (null, true);
            if (decide(current) is not { } settings)
                return (stored, false);
            var updated = stored.Campaign.WithDialer(settings, Now);
            try
            {
                var saved = await campaigns.ReplaceAsync(stored, updated, cancellationToken);
                await contacts.UpdateShardSettingsAsync(saved.Campaign.Id, saved.ContactShards, settings.MaxNumberCalls, settings.MinTimeBetweenCallsMinutes, cancellationToken);
                if (saved.Campaign.Status == CampaignStatus.Running)
                    await queues.WakeAsync(accountId, saved.Campaign.Id, "settings changed", cancellationToken);
                return (saved, true);
            }
            catch (ConcurrencyConflictException) when (attempt < MaxConcurrencyRetries)
            {
                // The engine or another request changed the row since we read it: decide again on fresh state.
            }
        }
    }

    /// <summary>Deletes a campaign: from this moment no request or timer finds it, so nobody more is dialed.</summary>
    public async Task<bool> DeleteAsync(string accountId, string slug, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var stored = await campaigns.FindBySlugAsync(accountId, slug, cancellationToken);
            if (stored?.Campaign.Dialer is null)
                return false;
            try
            {
                await campaigns.DeleteAsync(stored, cancellationToken);
                await queues.PurgeAsync(accountId, stored.Campaign.Id, stored.ContactShards, cancellationToken);
                return true;
            }
            catch (ConcurrencyConflictException) when (attempt < MaxConcurrencyRetries)
            {
            }
        }
    }
}
