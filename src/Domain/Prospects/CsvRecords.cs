using System.Text;

namespace Campaigns.Domain.Prospects;

/// <summary>One record of a CSV file: its cells, the file line it starts on, and what was wrong with it, if anything.</summary>
/// <param name="Line">1-based line of the file where the record starts (a quoted cell may span lines).</param>
/// <param name="Error">Null for a well-formed record; otherwise why it cannot be read (its cells are then unreliable).</param>
public sealed record CsvRecord(int Line, IReadOnlyList<string> Cells, string? Error);

/// <summary>
/// Reads CSV records one at a time from a text stream (RFC 4180 as spreadsheets write it), so a file of any size
/// streams through in bounded memory.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Records end at LF, CRLF or a lone CR; the last record needs no line ending.</item>
/// <item>A cell in double quotes may hold commas, line breaks and doubled quotes (<c>""</c> is one quote).</item>
/// <item>Lenient where spreadsheets are sloppy: a quote inside an unquoted cell is kept as written; text right after
///   a closing quote is appended to the cell.</item>
/// <item>Blank lines (nothing at all on them) are skipped; they are not records.</item>
/// <item>A quote that is never closed makes the rest of the file one record, reported with
///   <see cref="CsvRecord.Error"/>; a record longer than <see cref="MaxRecordChars"/> is reported as too long and its
///   text discarded, so no input can make the reader hold more than that.</item>
/// <item>The byte order mark is the caller's reader's business (<see cref="StreamReader"/> drops a UTF-8 BOM).</item>
/// </list>
/// </remarks>
public sealed class CsvRecords(TextReader reader)
{
    public const int MaxRecordChars = 1 << 20;

    private readonly char[] _buffer = new char[64 * 1024];
    private int _position;
    private int _length;
    private int _line = 1;
    private readonly StringBuilder _cell = new();

    /// <summary>The next record, or null at the end of the input.</summary>
    public CsvRecord? Next()
    {
        while (true)
        {
            if (!Fill())
                return null;
            var c = _buffer[_position];
            if (c is '\n' or '\r')
            {
                ConsumeLineEnd();
                continue; // a blank line
            }
            return ReadRecord();
        }
    }

    private CsvRecord ReadRecord()
    {
        var start = _line;
        var cells = new List<string>();
        var total = 0;
        string? error = null;
        _cell.Clear();
        var quoted = false;      // inside a quoted section
        var wasQuoted = false;   // the current cell began with a quote
        var cellStart = true;

        while (Fill())
        {
            var c = _buffer[_position];
            if (quoted)
            {
                _position++;
                if (c == '"')
                {
                    if (Fill() && _buffer[_position] == '"')
                    {
                        _position++;
                        Append('"', ref total, ref error);
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    if (c == '\n' || (c == '\r' && !(Fill() && _buffer[_position] == '\n')))
                        _line++;
                    Append(c, ref total, ref error);
                }
                continue;
            }

            if (c == ',')
            {
                _position++;
                cells.Add(_cell.ToString());
                _cell.Clear();
                cellStart = true;
                wasQuoted = false;
                continue;
            }
            if (c is '\n' or '\r')
            {
                ConsumeLineEnd();
                cells.Add(_cell.ToString());
                return new CsvRecord(start, cells, error);
            }
            _position++;
            if (c == '"' && cellStart && !wasQuoted)
            {
                quoted = true;
                wasQuoted = true;
                cellStart = false;
                continue;
            }
            cellStart = false;
            Append(c, ref total, ref error);
        }

        if (quoted)
            error ??= $"a quoted cell opened on line {start} or later is never closed";
        cells.Add(_cell.ToString());
        return new CsvRecord(start, cells, error);
    }

    private void Append(char c, ref int total, ref string? error)
    {
        if (++total > MaxRecordChars)
        {
            error ??= $"the row is longer than {MaxRecordChars} characters";
            _cell.Clear();
            return;
        }
        _cell.Append(c);
    }

    private void ConsumeLineEnd()
    {
        var c = _buffer[_position++];
        if (c == '\r' && Fill() && _buffer[_position] == '\n')
            _position++;
        _line++;
    }

    private bool Fill()
    {
        if (_position < _length)
            return true;
        _length = reader.Read(_buffer, 0, _buffer.Length);
        _position = 0;
        return _length > 0;
    }
}
