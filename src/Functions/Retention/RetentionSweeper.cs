using Campaigns.Domain.Retention;
using Microsoft.Azure.Functions.Worker;
using NodaTime;

namespace Campaigns.Functions.Retention;

/// <summary>What one retention run did.</summary>
/// <param name="Looked">Index items looked at.</param>
/// <param name="Expired">Items whose data was deleted (streams, upload files), or webhook logs trimmed and forgotten.</param>
/// <param name="Deleted">Rows and blobs deleted.</param>
/// <param name="BudgetSpent">The run stopped at <see cref="RetentionOptions.MaxDeletesPerRun"/>; the rest waits for the next run.</param>
internal sealed record RetentionRun(int Looked, int Expired, long Deleted, bool BudgetSpent);

/// <summary>
/// One retention run: reads the index's due items (<see cref="RetentionIndex"/>), lets each one's expiry decide with
/// <see cref="RetentionRules"/> and delete what has expired, then moves the item's next look or drops it. Items are
/// handled one after the other (each deletes in transactions of 100 rows); the run stops taking items once
/// <see cref="RetentionOptions.MaxDeletesPerRun"/> rows and blobs are deleted, and an item cut short is due again at once.
/// A failing item is logged and looked at again at the next run; the others go on.
/// </summary>
internal sealed partial class RetentionSweeper(
    RetentionIndex index, StreamExpiry streams, UploadFilesExpiry uploadFiles, WebhookLogExpiry webhookLogs, RetentionOptions options, TimeProvider time,
    ILogger<RetentionSweeper> log)
{
    public async Task<RetentionRun> RunAsync(CancellationToken cancellationToken)
    {
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var periods = options.Periods;
        var budget = new DeleteBudget(options.MaxDeletesPerRun);
        var (looked, expired) = (0, 0);
        await foreach (var item in index.DueAsync(now, cancellationToken))
        {
            if (budget.Spent)
                break;
            looked++;
            RetentionDecision decision;
            try
            {
                decision = item.Kind switch
                {
                    RetentionKinds.Campaign => await streams.RunAsync(item, now, periods, budget, cancellationToken),
                    RetentionKinds.Upload => await uploadFiles.RunAsync(item, now, periods, budget, cancellationToken),
                    RetentionKinds.WebhookLog => await webhookLogs.RunAsync(item, now, periods, budget, cancellationToken),
                    _ => new RetentionDecision.Forget($"unknown kind '{item.Kind}'"),
                };
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogFailed(ex, item.Kind, item.Target);
                decision = new RetentionDecision.LookAgain(now + Duration.FromHours(1), "failed: " + ex.GetType().Name);
            }
            switch (decision)
            {
                case RetentionDecision.Delete:
                    expired++;
                    LogExpired(item.Kind, item.Target, item.AccountId);
                    await index.RemoveAsync(item, cancellationToken);
                    break;
                case RetentionDecision.Forget forget:
                    if (item.Kind == RetentionKinds.WebhookLog)
                        expired++;
                    LogForgotten(item.Kind, item.Target, forget.Why);
                    await index.RemoveAsync(item, cancellationToken);
                    break;
                case RetentionDecision.LookAgain again:
                    await index.LookAgainAsync(item, again.At < now ? now : again.At, again.Why, cancellationToken);
                    break;
            }
        }
        var run = new RetentionRun(looked, expired, budget.Deleted, budget.Spent);
        if (looked > 0)
            LogRun(run.Looked, run.Expired, run.Deleted, run.BudgetSpent);
        return run;
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Retention: {Kind} {Target} of account {AccountId} expired and was deleted")]
    private partial void LogExpired(string kind, string target, string accountId);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Debug, Message = "Retention: {Kind} {Target} dropped from the index: {Why}")]
    private partial void LogForgotten(string kind, string target, string why);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "Retention: {Kind} {Target} could not be handled; it is looked at again in an hour")]
    private partial void LogFailed(Exception exception, string kind, string target);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Information, Message = "Retention run: {Looked} item(s) looked at, {Expired} expired, {Deleted} row(s) and blob(s) deleted (budget spent: {BudgetSpent})")]
    private partial void LogRun(int looked, int expired, long deleted, bool budgetSpent);
}

/// <summary>The retention timer (README, "Retention").</summary>
/// <remarks>Public, services from the invocation's container: see <see cref="Campaigns.Functions.Http.ApiFunctions"/>.</remarks>
public sealed class RetentionFunctions(IServiceProvider services)
{
    /// <summary>
    /// Every hour at minute 17 (away from the top of the hour, when other schedules crowd in): expires event streams,
    /// webhook delivery logs, upload files and deleted campaigns' leftovers that are due. Idempotent: whatever a run
    /// deleted is found gone by the next, and every index change names the ETag it read.
    /// </summary>
    [Function("Retention")]
    public async Task Retention([TimerTrigger("0 17 * * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        await services.GetRequiredService<RetentionSweeper>().RunAsync(cancellationToken);
}
