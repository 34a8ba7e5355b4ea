using Azure.Storage.Blobs.Models;
using Campaigns.Domain.Campaigns;
using Campaigns.Domain.Retention;
using Campaigns.Functions.Integration.Events;
using Campaigns.Functions.Integration.Webhooks;
using Campaigns.Functions.Storage;
using Campaigns.Functions.Uploads;
using NodaTime;

namespace Campaigns.Functions.Retention;

/// <summary>
/// A campaign's event stream (table <c>events</c>, partition = campaign id: pages, head, cursors) and, once the campaign
/// is deleted, its own agent pool. Reads, all point reads or partition-scoped: the campaign row, the stream's head and
/// last page, its cursors, the account's webhooks, the campaign's outbox index. Deletes the head first, under the ETag
/// read (an append since then stops it), then the rest of the partition; a stream whose head is gone but rows remain is
/// one a run began to delete, and is finished.
/// </summary>
internal sealed class StreamExpiry(
    CampaignStore campaigns, EventStreamStore streams, CampaignTables tables, WebhookStore webhooks, BrokerDelivery broker,
    OutboxIndex outbox, EventQueue queue, AgentPoolStore pools)
{
    public async Task<RetentionDecision> RunAsync(RetentionItem item, Instant now, RetentionPeriods periods, DeleteBudget budget, CancellationToken cancellationToken)
    {
        var (accountId, campaignId) = (item.AccountId, item.Target);
        var stored = await campaigns.GetAsync(accountId, campaignId, cancellationToken);
        var life = stored is null ? CampaignLife.Deleted
            : stored.Campaign.Status is CampaignStatus.Completed or CampaignStatus.Stopped ? CampaignLife.Ended
            : CampaignLife.Active;
        if (life == CampaignLife.Active)
            return RetentionRules.ForStream(new StreamFacts(life, 0, null, null, [], false), now, periods);

        var head = await streams.ReadHeadAsync(campaignId, accountId, cancellationToken);
        if (head.ETag == default && await TableDeletes.AnyAsync(tables.Events, campaignId, null, cancellationToken))
            return await DeleteAsync(item, life, head, now, budget, cancellationToken); // a deletion cut short by a run's budget

        var last = head.NextSequence - 1;
        var lastAppendedAt = last > 0 ? await streams.AppendedAtAsync(campaignId, last, cancellationToken) : null;
        var cursors = (await streams.ReadCursorsAsync(campaignId, cancellationToken)).ToDictionary(c => c.Destination, c => c.Delivered);
        var destinations = new List<DestinationPosition>();
        if (broker.Enabled)
            destinations.Add(new DestinationPosition("the broker", cursors.GetValueOrDefault(BrokerDelivery.Destination)));
        foreach (var hook in await webhooks.ListAsync(accountId, cancellationToken))
            destinations.Add(new DestinationPosition($"webhook {hook.Id}", cursors.GetValueOrDefault(hook.Id), hook.CreatedAt));
        var pending = (await outbox.ReadAsync(campaignId, cancellationToken)).Count > 0;
        var facts = new StreamFacts(life, last, lastAppendedAt, life == CampaignLife.Deleted ? item.DeletedAt ?? item.NotedAt : null, destinations, pending);

        var decision = RetentionRules.ForStream(facts, now, periods);
        if (decision is RetentionDecision.LookAgain && lastAppendedAt is { } appended && RetentionRules.Behind(facts, appended) is not null)
        {
            // A destination without its cursor moving (its deliverer's message lost, a webhook made as the campaign ended):
            // a relay pass delivers to every destination, so the stream is not kept for ever by a delivery nobody runs.
            await queue.ScheduleAsync(new EventWork("relay", accountId, campaignId), TimeSpan.Zero, cancellationToken);
        }
        return decision is RetentionDecision.Delete ? await DeleteAsync(item, life, head, now, budget, cancellationToken) : decision;
    }

    private async Task<RetentionDecision> DeleteAsync(
        RetentionItem item, CampaignLife life, StreamHead head, Instant now, DeleteBudget budget, CancellationToken cancellationToken)
    {
        if (!await streams.DeleteHeadAsync(head, cancellationToken))
            return new RetentionDecision.LookAgain(now, "the stream was appended to while it was being decided");
        if (head.ETag != default)
            budget.Spend(1);
        if (!await TableDeletes.DeleteAsync(tables.Events, item.Target, null, budget, cancellationToken))
            return new RetentionDecision.LookAgain(now, "the run's budget ran out");
        if (life == CampaignLife.Deleted)
            await pools.DeleteAsync(item.AccountId, AgentPoolStore.CampaignKey(item.Target), cancellationToken);
        return new RetentionDecision.Delete();
    }
}

/// <summary>
/// A finished upload's files: its CSV in the upload container (<c>{uuid}.csv</c>) and any batch files left in
/// <c>upload-batches</c> (<c>{uuid}/...</c>; a completed upload deleted its own, a failed one kept them for a retry). Reads
/// the upload's summary row (a point read). The CSV goes first: a retry finds it gone and answers that the upload expired.
/// </summary>
internal sealed class UploadFilesExpiry(UploadStore uploads, UploadBlobs blobs)
{
    public async Task<RetentionDecision> RunAsync(RetentionItem item, Instant now, RetentionPeriods periods, DeleteBudget budget, CancellationToken cancellationToken)
    {
        var upload = await uploads.GetAsync(item.AccountId, item.Target, cancellationToken);
        var life = upload is null ? UploadLife.Gone
            : upload.Status is UploadStatus.Pending or UploadStatus.Processing ? UploadLife.InProgress
            : UploadLife.Finished;
        var decision = RetentionRules.ForUpload(life, upload?.FinishedAt, item.NotedAt, now, periods);
        if (decision is not RetentionDecision.Delete)
            return decision;

        if ((await blobs.File(item.Target).DeleteIfExistsAsync(cancellationToken: cancellationToken)).Value)
            budget.Spend(1);
        await foreach (var blob in blobs.Batches.GetBlobsAsync(BlobTraits.None, BlobStates.None, item.Target + "/", cancellationToken))
        {
            if (budget.Spent)
                return new RetentionDecision.LookAgain(now, "the run's budget ran out");
            await blobs.Batches.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken);
            budget.Spend(1);
        }
        return decision;
    }
}

/// <summary>
/// A webhook's delivery log (table <c>webhookdeliveries</c>, partition <c>{account}~{webhook}</c>): deletes the rows whose
/// newest attempt is older than the period (one range query at the partition's end), then looks again tomorrow while the
/// webhook exists, and until a deleted webhook's log is empty.
/// </summary>
internal sealed class WebhookLogExpiry(WebhookDeliveryLog log, WebhookStore webhooks)
{
    public async Task<RetentionDecision> RunAsync(RetentionItem item, Instant now, RetentionPeriods periods, DeleteBudget budget, CancellationToken cancellationToken)
    {
        var cutoff = RetentionRules.WebhookDeliveriesCutoff(now, periods);
        var complete = await log.DeleteOlderThanAsync(item.AccountId, item.Target, cutoff, budget, cancellationToken);
        var exists = await webhooks.GetAsync(item.AccountId, item.Target, cancellationToken) is not null;
        var rowsLeft = !exists && complete && await log.AnyAsync(item.AccountId, item.Target, cancellationToken);
        return RetentionRules.AfterWebhookTrim(exists, rowsLeft, complete, now);
    }
}
