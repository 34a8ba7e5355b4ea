namespace Campaigns.Domain.Calls;

/// <summary>How a call attempt ended, as the voice-agent provider reports it.</summary>
public enum CallOutcome
{
    /// <summary>The contact answered and the conversation began; the agent gives a disposition label.</summary>
    Answered,
    NoAnswer,
    Busy,
    /// <summary>The call could not be placed or dropped before anyone answered; also used when no result ever came back.</summary>
    Failed,
    Voicemail,
}

public static class CallOutcomeNames
{
    public static string ToWire(this CallOutcome outcome) => outcome switch
    {
        CallOutcome.Answered => "answered",
        CallOutcome.NoAnswer => "no_answer",
        CallOutcome.Busy => "busy",
        CallOutcome.Failed => "failed",
        CallOutcome.Voicemail => "voicemail",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    public static bool TryParse(string? text, out CallOutcome outcome)
    {
        foreach (var candidate in Enum.GetValues<CallOutcome>())
        {
            if (string.Equals(candidate.ToWire(), text, StringComparison.Ordinal))
            {
                outcome = candidate;
                return true;
            }
        }
        outcome = default;
        return false;
    }
}

/// <summary>
/// The deterministic id of one call attempt: <c>{campaignId}.{shard}.{digits of the number}.{attempt}</c>, e.g.
/// <c>cmp_zUO7NvU3CNzfhM.3.919876543210.2</c>. The same attempt always has the same id, so a provider can use it as
/// an idempotency key and a duplicate result is recognised. The shard locates the contact's partition.
/// </summary>
public readonly record struct AttemptId(string CampaignId, int Shard, string E164, int Number)
{
    public override string ToString() => $"{CampaignId}.{Shard}.{E164.TrimStart('+')}.{Number}";

    /// <summary>The id as logs show it: the number masked (<see cref="PhoneMask"/>), everything else as it is.</summary>
    public string ForLogs => $"{CampaignId}.{Shard}.{PhoneMask.Digits(E164.TrimStart('+'))}.{Number}";

    /// <summary>A call id as logs show it: masked when it is an attempt id, otherwise only its length (it came from outside).</summary>
    public static string ForLogsOf(string? callId) =>
        TryParse(callId, out var id) ? id.ForLogs : $"(unrecognised call id, {callId?.Length ?? 0} chars)";

    public static bool TryParse(string? text, out AttemptId id)
    {
        id = default;
        if (string.IsNullOrEmpty(text) || text.Length > 80)
            return false;
        var parts = text.Split('.');
        if (parts.Length != 4 || parts[0].Length == 0 || parts[0].Length > 32 || !parts[0].All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            return false;
        // Shards up to 999 (partition keys carry three digits; a list-fed campaign has 256), attempts up to 999
        // (max_number_calls goes to 100).
        if (!TryInt(parts[1], 0, 999, out var shard) || !parts[2].All(char.IsAsciiDigit) || parts[2].Length is < 2 or > 15
            || !TryInt(parts[3], 1, 999, out var number))
        {
            return false;
        }
        id = new AttemptId(parts[0], shard, "+" + parts[2], number);
        return true;
    }

    private static bool TryInt(string text, int min, int max, out int value) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value)
        && value >= min && value <= max;
}

/// <summary>
/// Phone numbers in logs: never in full. Logs go to places with wider access and longer retention than the contact
/// data (Application Insights, a developer's console), so only the last four digits stay, enough to tell calls apart
/// when reading a log beside the campaign's own records (which hold the full number).
/// </summary>
public static partial class PhoneMask
{
    /// <summary><c>+14155550100</c> becomes <c>+*******0100</c>; four digits or fewer are masked whole.</summary>
    public static string Mask(string e164) => e164.StartsWith('+') ? "+" + Digits(e164[1..]) : Digits(e164);

    /// <summary>
    /// Free text bound for a log (an exception's message, a provider's answer): every run of 7 to 15 digits, with or
    /// without a leading '+', is masked, and so is any call id in it (whose digits are a number).
    /// </summary>
    public static string InText(string? text) =>
        string.IsNullOrEmpty(text) ? text ?? "" : DigitRuns().Replace(text, m => Mask(m.Value));

    [System.Text.RegularExpressions.GeneratedRegex(@"\+?(?<![0-9])[0-9]{7,15}(?![0-9])")]
    private static partial System.Text.RegularExpressions.Regex DigitRuns();

    /// <summary>The digits of a number, all but the last four replaced by '*'.</summary>
    public static string Digits(string digits) =>
        digits.Length <= 4 ? new string('*', digits.Length) : new string('*', digits.Length - 4) + digits[^4..];
}

/// <summary>Final disposition labels the engine itself gives (an answered call takes the agent's label).</summary>
public static class Dispositions
{
    /// <summary>Not answered after the last allowed attempt (seed 000's term).</summary>
    public const string NotReachable = "not_reachable";

    /// <summary>The schedule's end_time came before the contact could be (re)tried.</summary>
    public const string ScheduleEnded = "schedule_ended";

    /// <summary>The number's time zone could not be determined, so it is never dialed (when in doubt, don't dial).</summary>
    public const string NotDialable = "not_dialable";

    /// <summary>An answered call whose agent gave no label.</summary>
    public const string Completed = "completed";
}
