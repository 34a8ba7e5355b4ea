using Campaigns.Domain.Contacts;

namespace Campaigns.Domain.Prospects;

/// <summary>One custom column of a prospect row: the CSV header as written (trimmed) and the cell's text.</summary>
public sealed record ProspectField(string Name, string Value);

/// <summary>A valid prospect from one CSV row (or the single-prospect form).</summary>
/// <param name="Phone">The <c>primary_phone</c>, normalised to E.164 (<c>+14155551234</c>).</param>
/// <param name="FirstName"><c>first_name</c>, trimmed; null when blank or absent.</param>
/// <param name="LastName"><c>last_name</c>, trimmed; null when blank or absent.</param>
/// <param name="State">Two-letter state or province code, upper-case, when the row gave one.</param>
/// <param name="TimeZone">An IANA zone id when the row gave one.</param>
/// <param name="CustomFields">Every other column, in the row's column order.</param>
public sealed record Prospect(
    PhoneNumber Phone,
    string? FirstName,
    string? LastName,
    string? State,
    string? TimeZone,
    IReadOnlyList<ProspectField> CustomFields);

/// <summary>The outcome of checking one row: a <see cref="Valid"/> prospect or the <see cref="Invalid"/> reason.</summary>
public abstract record ProspectRowResult
{
    public sealed record Valid(Prospect Prospect) : ProspectRowResult;

    /// <summary>
    /// The row is refused. <paramref name="LineNumber"/> is the caller's (the CSV line, 1-based, header on line 1);
    /// <paramref name="Field"/> the column (e.g. <c>primary_phone</c>); <paramref name="Reason"/> says why in words.
    /// Only the first problem, in column order primary_phone, first_name, last_name, state, timezone, is reported.
    /// </summary>
    public sealed record Invalid(int LineNumber, string Field, string Reason) : ProspectRowResult;
}
