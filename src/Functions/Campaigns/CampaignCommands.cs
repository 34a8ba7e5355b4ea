using System.Security.Cryptography;
using System.Text;
using Campaigns.Domain.Campaigns;
using Campaigns.Domain.Contacts;
using Campaigns.Functions.Engine;
using Campaigns.Functions.Storage;
using NodaTime;

namespace Campaigns.Functions.Campaigns;

/// <summary>Counts of <c>DELETE /v1/campaigns/{id}/contacts</c>, as the seed defines them.</summary>
internal sealed record RemovalResult(int Removed, int NotFound, int AlreadyCalled);

/// <summary>
/// The write side of campaigns, shared by every API surface: it loads state, asks Domain to decide, and
/// persists with the ETag it read. Lost races are retried from a fresh read, never overwritten.
/// </summary>
internal sealed class CampaignCommands(CampaignStore campaigns, ContactStore contacts, EngineQueues queues, TimeProvider time)
{
    private const int MaxConcurrencyRetries = 20;

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    /// <summary>
    /// Creates a campaign: contacts first (in a fresh id's partitions, invisible until the campaign row exists),
    /// then the campaign row, insert-only. A crash in between leaves only unreachable contact rows; nothing a
    /// client can see is half-made. With an <paramref name="idempotencyKey"/>, a repeated request returns the
    /// campaign the first one created (<c>Replayed</c> = true) instead of creating a second.
    /// </summary>
    public async Task<(StoredCampaign Campaign, bool Replayed)> CreateAsync(
        string accountId, CampaignSpec spec, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var keyHash = idempotencyKey is null ? null : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)));
        if (keyHash is not null && await campaigns.FindByIdempotencyKeyAsync(accountId, keyHash, cancellationToken) is { } earlier)
            return (earlier, true);

        var now = Now;
        var campaign = Campaign.Create(CampaignIds.New(now), spec, now);
        var shards = ContactSharding.ShardCountFor(spec.Contacts.Count);
        var settings = new ShardSettings(accountId, spec.MaxAttempts, spec.RetryIntervalMinutes, spec.Schedule?.EndInstant);
        await contacts.InsertNewAsync(campaign.Id, shards, spec.Contacts, settings, cancellationToken);
        // A scheduled campaign's orchestration starts now and sleeps until its start_time. The row says when it is due
        // to look first; if the process dies before the wake-up is sent, the sweep finds that look overdue and starts
        // the orchestration then (CampaignEngine.OverdueAsync).
        var engine = spec.Schedule is { } schedule ? new EngineState(null, schedule.StartInstant) : EngineState.None;
        var (created, existingId) = await campaigns.InsertAsync(accountId, campaign, shards, keyHash, engine, cancellationToken);
        if (created is not null)
        {
            if (spec.Schedule is not null)
                await queues.WakeAsync(accountId, campaign.Id, "created", cancellationToken);
            return (created, false);
        }
        var existing = await campaigns.GetAsync(accountId, existingId!, cancellationToken)
            ?? throw new InvalidOperationException($"Idempotency record points at missing campaign {existingId}");
        return (existing, true);
    }

    /// <summary>Applies an operator action through the transition table; raises <see cref="IllegalTransitionException"/> (409).</summary>
    public async Task<StoredCampaign?> ApplyAsync(string accountId, string campaignId, CampaignTrigger action, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var stored = await campaigns.GetAsync(accountId, campaignId, cancellationToken);
            if (stored is null)
                return null;
            var updated = stored.Campaign.Apply(action, Now);
            try
            {
                var saved = await campaigns.ReplaceAsync(stored, updated, cancellationToken);
                // Start, pause, resume and stop reach the orchestration as wake-ups: it looks at once (a stop ends it).
                await queues.WakeAsync(accountId, campaignId, action.ToString().ToLowerInvariant(), cancellationToken);
                return saved;
            }
            catch (ConcurrencyConflictException) when (attempt < MaxConcurrencyRetries)
            {
                // Someone else changed the campaign between our read and write: decide again on fresh state.
            }
        }
    }

    /// <summary>
    /// Removes pending contacts by number. Each contact is re-decided and written with its ETag, so a contact the
    /// engine starts dialing at the same moment is either removed before the dial or counted as already called.
    /// Repeated numbers in one request count once. Null when the campaign does not exist.
    /// </summary>
    public async Task<RemovalResult?> RemoveContactsAsync(
        string accountId, string campaignId, IReadOnlyList<PhoneNumber> phones, CancellationToken cancellationToken)
    {
        var stored = await campaigns.GetAsync(accountId, campaignId, cancellationToken);
        if (stored is null)
            return null;
        if (!ContactRemoval.IsAllowed(stored.Campaign.Status))
        {
            throw new IllegalTransitionException(stored.Campaign.Status, CampaignTrigger.Stop,
                $"Cannot remove contacts from a campaign that is {stored.Campaign.Status.ToWire()}: it dials nobody any more.");
        }

        var removed = 0;
        var notFound = 0;
        var alreadyCalled = 0;
        var distinct = phones.DistinctBy(p => p.E164).ToList();
        await Parallel.ForEachAsync(distinct, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (phone, ct) =>
            {
                var outcome = await RemoveOneAsync(campaignId, stored.ContactShards, phone, ct);
                switch (outcome)
                {
                    case RemovalOutcome.Removed: Interlocked.Increment(ref removed); break;
                    case RemovalOutcome.NotFound: Interlocked.Increment(ref notFound); break;
                    default: Interlocked.Increment(ref alreadyCalled); break;
                }
            });
        if (removed > 0 && stored.Campaign.Status == CampaignStatus.Running)
            await queues.WakeAsync(accountId, campaignId, "contacts removed", cancellationToken); // the last pending contact may be gone: let the engine finish
        return new RemovalResult(removed, notFound, alreadyCalled);
    }

    private async Task<RemovalOutcome> RemoveOneAsync(string campaignId, int shards, PhoneNumber phone, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var contact = await contacts.GetAsync(campaignId, shards, phone, cancellationToken);
            var outcome = ContactRemoval.Decide(contact?.State);
            if (outcome != RemovalOutcome.Removed || contact!.State.Status == ContactStatus.Removed)
                return outcome;
            try
            {
                await contacts.RemoveAsync(contact, cancellationToken);
                return outcome;
            }
            catch (ConcurrencyConflictException) when (attempt < MaxConcurrencyRetries)
            {
                // The engine touched this contact meanwhile: decide again on its fresh state.
            }
        }
    }
}
