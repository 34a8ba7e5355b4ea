namespace Campaigns.Domain.Dialer.Holidays;

/// <summary>How sure the data is, from reading the law itself or only a compliance vendor's summary of it.</summary>
public enum Confidence
{
    /// <summary>The statute or rule text was read; the day list follows the state's own holiday statute.</summary>
    High,
    /// <summary>The prohibition is confirmed, but part of the day list rests on compliance summaries.</summary>
    Medium,
    /// <summary>Only compliance summaries list it; kept because a false positive only means fewer calls.</summary>
    Low,
}

/// <summary>
/// One state's ban on telephone solicitation on particular days, as data: whether Sundays are banned, which
/// holidays are, the law it comes from and how sure we are. Days not modelled (a governor's one-off proclamation,
/// a state of emergency in Louisiana) must be handled by an operator, e.g. by adding the state to ignore_states.
/// </summary>
/// <param name="StateCode">Two-letter code, upper-case.</param>
/// <param name="Sundays">Every Sunday is restricted.</param>
/// <param name="Holidays">The restricted holidays, each with its date rule and weekend observance.</param>
/// <param name="Citation">The statute or rule that bans the calls, and the one that lists the holidays.</param>
/// <param name="Confidence">See <see cref="Holidays.Confidence"/>.</param>
/// <param name="Note">What was confirmed, what was included conservatively, and what was left out.</param>
public sealed record StateRestriction(
    string StateCode,
    bool Sundays,
    IReadOnlyList<HolidayRule> Holidays,
    string Citation,
    Confidence Confidence,
    string Note);
