using System.Globalization;

namespace Campaigns.LocalHost.Triggers.Timers;

/// <summary>
/// A six-field NCRONTAB schedule (second minute hour day month day-of-week), as timer triggers write them, in UTC:
/// numbers, ranges, lists, steps and <c>*</c>. Moved here from the Functions app's old LocalTriggerHost, which links
/// this file until it is deleted.
/// </summary>
internal sealed class NCrontab
{
    private readonly HashSet<int>[] _fields;

    private NCrontab(string expression, HashSet<int>[] fields)
    {
        Expression = expression;
        _fields = fields;
    }

    public string Expression { get; }

    public static NCrontab Parse(string expression)
    {
        var parts = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 6)
            throw new FormatException($"NCRONTAB needs six fields: '{expression}'");
        int[][] ranges = [[0, 59], [0, 59], [0, 23], [1, 31], [1, 12], [0, 6]];
        return new NCrontab(expression, parts.Select((part, i) => Field(part, ranges[i][0], ranges[i][1])).ToArray());
    }

    /// <summary>The first occurrence strictly after <paramref name="utc"/> (whole seconds).</summary>
    public DateTime NextAfter(DateTime utc)
    {
        var t = new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, utc.Second, DateTimeKind.Utc).AddSeconds(1);
        var limit = t.AddYears(5); // 29 February on a Monday takes up to 28 years; five years is plenty for real schedules
        while (t < limit)
        {
            if (!_fields[4].Contains(t.Month))
            {
                t = new DateTime(t.Year, t.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1);
                continue;
            }
            if (!_fields[3].Contains(t.Day) || !_fields[5].Contains((int)t.DayOfWeek))
            {
                t = t.Date.AddDays(1);
                continue;
            }
            if (!_fields[2].Contains(t.Hour))
            {
                t = t.Date.AddHours(t.Hour + 1);
                continue;
            }
            if (!_fields[1].Contains(t.Minute))
            {
                t = t.Date.AddHours(t.Hour).AddMinutes(t.Minute + 1);
                continue;
            }
            if (_fields[0].Contains(t.Second))
                return t;
            t = t.AddSeconds(1);
        }
        throw new InvalidOperationException($"The schedule '{Expression}' never fires");
    }

    private static HashSet<int> Field(string text, int min, int max)
    {
        var values = new HashSet<int>();
        foreach (var item in text.Split(','))
        {
            var (range, step) = item.Split('/') is [var r, var s] ? (r, Number(s)) : (item, 1);
            var (from, to) = range == "*" ? (min, max)
                : range.Split('-') is [var a, var b] ? (Number(a), Number(b))
                : (Number(range), item.Contains('/') ? max : Number(range));
            if (from < min || to > max || step < 1)
                throw new FormatException($"NCRONTAB field '{text}' is outside {min}-{max}");
            for (var v = from; v <= to; v += step)
                values.Add(v);
        }
        return values;
    }

    private static int Number(string text) => int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
}
