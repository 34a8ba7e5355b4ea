using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace Campaigns.Functions.Engine;

/// <summary>Which campaign an orchestration runs (its input, the same for every generation after ContinueAsNew).</summary>
public sealed record CampaignLoop(string Account, string Campaign);

/// <summary>
/// What one look at a campaign answers: whether the campaign is over for the engine (completed, stopped or deleted:
/// the orchestration ends), how long to sleep before the next look (null: until an event wakes it), when the look
/// started on the app's clock (a wake-up about a change made before that instant was seen by the look), and whether
/// wake-ups wait for the next look (<see cref="WakesWait"/>: a list-fed campaign dials only at its dialer_interval
/// ticks, so while its next look is such a tick a call result or a settings edit changes nothing before it; only a
/// wake-up due at or after <see cref="NextLookAt"/>, the tick on the app's clock, is let through).
/// </summary>
public sealed record LookAnswer(bool Ended, double? SleepSeconds, DateTimeOffset StartedAt, bool WakesWait = false, DateTimeOffset? NextLookAt = null);

/// <summary>
/// An event that wakes a campaign's orchestration: an operator action, contacts added or removed, a settings edit,
/// lines freed by finished calls. <see cref="At"/> is on the app's clock: the change is seen by any look that starts
/// after it (a result's wake-up is due a short window after the result, so that the results of that moment share one look).
/// </summary>
public sealed record Wake(string Reason, DateTimeOffset At);

/// <summary>
/// One Durable Functions orchestration per campaign of either API. Each generation asks the <see cref="LookActivity"/>
/// to dispatch whatever is due and allowed now; the activity answers when anything can next change. The orchestration
/// then sleeps on a durable timer until then, or until a <see cref="WakeEvent"/> comes, and continues as new, so its
/// history stays a few events long. Wake-ups about changes that the last look had already seen are dropped without a
/// look: a burst of call results that arrived while the activity ran costs one more look, not one per result.
/// <para>The orchestration decides nothing: the activity decides with the app's clock and the campaign's row, which stay
/// the truth. A timer that fires early makes a look that finds nothing due and sleeps again; one that fires late makes
/// a late look (legal windows are re-checked at that moment).</para>
/// </summary>
/// <remarks>Public, services from the invocation's container: see <see cref="Campaigns.Functions.Http.ApiFunctions"/>.</remarks>
public sealed class CampaignOrchestration(IServiceProvider services)
{
    public const string Orchestrator = "CampaignOrchestrator";
    public const string LookActivity = "CampaignLook";
    public const string WakeEvent = "wake";

    /// <summary>How long a generation waits before looking again after its activity failed (a storage outage, say).</summary>
    private static readonly TimeSpan AfterFailure = TimeSpan.FromSeconds(10);

    /// <summary>The orchestration's instance id: derived from the campaign id, which is unique across accounts.</summary>
    public static string InstanceId(string campaignId) => "campaign-" + campaignId;

    [Function(Orchestrator)]
    public async Task Run([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        var loop = context.GetInput<CampaignLoop>() ?? throw new InvalidOperationException("A campaign orchestration needs its campaign");
        LookAnswer answer;
        try
        {
            answer = await context.CallActivityAsync<LookAnswer>(LookActivity, loop);
        }
        catch (TaskFailedException)
        {
            // The look failed (it is retried as a whole: every dial it claimed is ETag-guarded under its attempt id).
            answer = new LookAnswer(false, AfterFailure.TotalSeconds, DateTimeOffset.MinValue);
        }
        if (answer.Ended)
            return;

        using var sleeping = new CancellationTokenSource();
        var timer = answer.SleepSeconds is { } seconds
            ? context.CreateTimer(TimeSpan.FromSeconds(Math.Max(0, seconds)), sleeping.Token)
            : null;
        while (true)
        {
            var wake = context.WaitForExternalEvent<Wake>(WakeEvent, sleeping.Token);
            if (timer is not null && await Task.WhenAny(timer, wake) == timer)
                break;
            var at = (await wake).At;
            if (answer.WakesWait ? at >= answer.NextLookAt : at >= answer.StartedAt)
                break; // a change the last look may not have seen; or, waiting for a dialer tick, the tick has come
        }
        sleeping.Cancel();
        context.ContinueAsNew(loop); // wake-ups not yet received are kept for the next generation
    }

    /// <summary>
    /// Dispatches what is due now and answers when to look again (<see cref="CampaignEngine.LookAsync"/>). Runs at least
    /// once: a repeated look claims each dial by its attempt id with an ETag, so nobody is dialed twice.
    /// </summary>
    [Function(LookActivity)]
    public Task<LookAnswer> Look([ActivityTrigger] CampaignLoop loop, CancellationToken cancellationToken) =>
        services.GetRequiredService<CampaignEngine>().LookAsync(loop.Account, loop.Campaign, cancellationToken);
}
