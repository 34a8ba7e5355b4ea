using System.Text;
using Campaigns.Domain.Dialer;
using Campaigns.Domain.Prospects;

namespace Campaigns.Domain.Tests.Prospects;

public sealed class CsvRecordsTests
{
    private static List<CsvRecord> Read(string text)
    {
        var records = new CsvRecords(new StringReader(text));
        var all = new List<CsvRecord>();
        while (records.Next() is { } record)
            all.Add(record);
        return all;
    }

    [Theory]
    [InlineData("a,b\nc,d\n")]
    [InlineData("a,b\r\nc,d\r\n")]
    [InlineData("a,b\rc,d\r")]
    [InlineData("a,b\nc,d")]
    public void Records_end_at_lf_crlf_or_cr_and_the_last_needs_no_line_end(string text)
    {
        var records = Read(text);
        Assert.Equal([["a", "b"], ["c", "d"]], records.Select(r => r.Cells.ToArray()));
        Assert.Equal([1, 2], records.Select(r => r.Line));
        Assert.All(records, r => Assert.Null(r.Error));
    }

    [Fact]
    public void Quoted_cells_keep_commas_line_breaks_and_doubled_quotes_and_line_numbers_count_physical_lines()
    {
        var records = Read("h1,h2\r\n\"a, b\",\"say \"\"hi\"\"\r\nnext\"\r\nx,\"\"\n");
        Assert.Equal(["a, b", "say \"hi\"\r\nnext"], records[1].Cells);
        Assert.Equal(2, records[1].Line);
        Assert.Equal(["x", ""], records[2].Cells);
        Assert.Equal(4, records[2].Line);
    }

    [Fact]
    public void Blank_lines_are_not_records_but_count_as_lines()
    {
        var records = Read("h\n\n\r\nv\n\n");
        Assert.Equal([1, 4], records.Select(r => r.Line));
        Assert.Equal(["v"], records[1].Cells);
    }

    [Fact]
    public void Empty_cells_and_a_trailing_comma_make_empty_strings()
    {
        Assert.Equal(["", "a", "", ""], Read(",a,,\n")[0].Cells);
    }

    [Fact]
    public void Sloppy_quotes_are_kept_as_written()
    {
        var cells = Read("ab\"c,\"d\"e,f\n")[0].Cells;
        Assert.Equal(["ab\"c", "de", "f"], cells);
    }

    [Fact]
    public void A_quote_never_closed_takes_the_rest_of_the_file_as_one_record_with_an_error()
    {
        var records = Read("h1,h2\n1,\"open\n2,3\n4,5\n");
        Assert.Equal(2, records.Count);
        Assert.NotNull(records[1].Error);
        Assert.Contains("never closed", records[1].Error);
        Assert.Equal(2, records[1].Line);
    }

    [Fact]
    public void A_row_longer_than_the_limit_is_reported_and_its_text_dropped_and_the_next_row_reads_normally()
    {
        var text = "h\n" + new string('x', CsvRecords.MaxRecordChars + 10) + "\nok\n";
        var records = Read(text);
        Assert.Contains("longer than", records[1].Error);
        Assert.True(records[1].Cells.Sum(c => c.Length) <= CsvRecords.MaxRecordChars);
        Assert.Equal(["ok"], records[2].Cells);
        Assert.Equal(3, records[2].Line);
    }

    [Fact]
    public void A_utf8_bom_is_not_part_of_the_first_header()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("primary_phone,first_name\n+14155551234,Zoë\n")).ToArray();
        using var reader = new StreamReader(new MemoryStream(bytes), new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true);
        var records = new CsvRecords(reader);
        Assert.Equal("primary_phone", records.Next()!.Cells[0]);
        Assert.Equal("Zoë", records.Next()!.Cells[1]);
    }

    [Fact]
    public void Records_split_across_the_readers_buffer_are_whole()
    {
        var text = new StringBuilder("h1,h2\r\n");
        for (var i = 0; i < 20_000; i++)
            text.Append($"\"{i},{i}\",v{i}\r\n");
        var records = Read(text.ToString());
        Assert.Equal(20_001, records.Count);
        Assert.All(records.Skip(1).Select((r, i) => (r, i)), p => Assert.Equal([$"{p.i},{p.i}", $"v{p.i}"], p.r.Cells));
        Assert.Equal(20_001, records[^1].Line);
    }
}

public sealed class ProspectHeaderTests
{
    [Fact]
    public void A_header_needs_primary_phone_in_any_case_and_no_column_twice()
    {
        Assert.Null(ProspectHeader.Problem(["first_name", " Primary_Phone ", "loan"]));
        Assert.Equal(1, ProspectHeader.PhoneColumn(["first_name", " Primary_Phone ", "loan"]));
        Assert.Contains("no primary_phone", ProspectHeader.Problem(["phone", "first_name"]));
        Assert.Contains("twice", ProspectHeader.Problem(["primary_phone", "Loan", "loan "]));
    }
}

public sealed class ProspectPhoneRoutingTests
{
    [Theory]
    [InlineData("+14155551234")]
    [InlineData("14155551234")]
    [InlineData("(415) 555-1234")]
    [InlineData("415.555.1234")]
    [InlineData(" +1 415 555 1234 ")]
    public void The_routing_key_of_a_valid_number_is_its_e164(string raw)
    {
        Assert.True(ProspectPhone.TryNormalise(raw, DialerLocale.Usca, out var number, out _));
        Assert.Equal(number.E164, ProspectPhone.RoutingKey(raw));
    }

    [Theory]
    [InlineData("")]
    [InlineData("555-0101")]
    [InlineData("+44 20 7946 0958")]
    [InlineData("call me")]
    public void A_number_of_the_wrong_shape_has_no_routing_key(string raw)
    {
        Assert.Null(ProspectPhone.RoutingKey(raw));
    }

    [Fact]
    public void Every_accepted_number_in_a_sweep_routes_by_its_e164()
    {
        var random = new Random(7);
        for (var i = 0; i < 2000; i++)
        {
            var digits = $"{random.Next(200, 1000)}{random.Next(200, 1000)}{random.Next(0, 10000):D4}";
            var raw = (i % 3) switch { 0 => digits, 1 => "1" + digits, _ => $"+1 ({digits[..3]}) {digits[3..6]}-{digits[6..]}" };
            if (ProspectPhone.TryNormalise(raw, DialerLocale.Usca, out var number, out _))
                Assert.Equal(number.E164, ProspectPhone.RoutingKey(raw));
        }
    }
}
