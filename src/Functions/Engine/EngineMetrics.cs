namespace Campaigns.Functions.Engine;

/// <summary>
/// What the engine's wake-up path did on this instance, for benchmarks and diagnostics: how many changes asked for a
/// look, how many of those the one-second window folded into an earlier wake-up, how many wake-ups reached an
/// orchestration as events or started one, and how many looks the activities made. A burst of results that became a
/// burst of looks would show here as looks close to results.
/// </summary>
internal sealed class EngineMetrics
{
    public long WakesAsked;
    public long WakesFolded;
    public long EventsRaised;
    public long OrchestrationsStarted;
    public long Looks;

    public override string ToString() =>
        $"wake-ups asked {WakesAsked}, folded by the window {WakesFolded}, sent {WakesAsked - WakesFolded}; events raised {EventsRaised}, " +
        $"orchestrations started {OrchestrationsStarted}; looks {Looks}";
}
