namespace Campaigns.Domain.Prospects;

/// <summary>The header row of a prospect CSV: the column names every later row is read by.</summary>
public static class ProspectHeader
{
    /// <summary>
    /// Why a header row cannot be used, or null when it can: it must name a <c>primary_phone</c> column, and no
    /// column twice (ignoring letter case and surrounding spaces), since a row's value could then not be told apart.
    /// </summary>
    public static string? Problem(IReadOnlyList<string> cells)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var cell in cells)
        {
            var name = cell.Trim();
            if (name.Length > 0 && !seen.Add(name))
                return $"the header row names the column '{name}' twice";
        }
        return seen.Contains(ProspectRow.PrimaryPhone)
            ? null
            : $"the header row (the first line) has no {ProspectRow.PrimaryPhone} column; columns are {ProspectRow.PrimaryPhone}, {ProspectRow.FirstName}, {ProspectRow.LastName}, optional {ProspectRow.State} and {ProspectRow.TimeZone}, and any others as custom fields";
    }

    /// <summary>The position of <c>primary_phone</c> in a header that has no <see cref="Problem"/>.</summary>
    public static int PhoneColumn(IReadOnlyList<string> cells)
    {
        for (var i = 0; i < cells.Count; i++)
        {
            if (string.Equals(cells[i].Trim(), ProspectRow.PrimaryPhone, StringComparison.OrdinalIgnoreCase))
                return i;
        }
        return -1;
    }
}
