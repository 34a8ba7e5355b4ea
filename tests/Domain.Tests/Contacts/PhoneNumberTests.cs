using Campaigns.Domain.Contacts;

namespace Campaigns.Domain.Tests.Contacts;

public sealed class PhoneNumberTests
{
    [Theory]
    [InlineData("+919876543210", "IN")]
    [InlineData("+918765432109", "IN")]
    [InlineData("+14155551234", "US")]
    [InlineData("+442079460018", "GB")]
    [InlineData("+12122000000", "US")]
    public void TryParse_ValidE164_KeepsTheNumberAndItsRegion(string text, string region)
    {
        Assert.True(PhoneNumber.TryParse(text, out var number, out var error), error);
        Assert.Equal(text, number.E164);
        Assert.Equal(region, number.RegionCode);
    }

    [Theory]
    [InlineData("9876543210", "E.164")]
    [InlineData("+91 98765 43210", "E.164")]
    [InlineData("+91-9876543210", "E.164")]
    [InlineData("+0123456789", "E.164")]
    [InlineData("+1234567890123456", "E.164")]
    [InlineData("", "required")]
    [InlineData(null, "required")]
    [InlineData("+1999555012", "not a valid phone number")]
    [InlineData("+15555555555", "not a valid phone number")]
    [InlineData("+919", "not a phone number")]
    public void TryParse_Invalid_SaysWhy(string? text, string reason)
    {
        Assert.False(PhoneNumber.TryParse(text, out _, out var error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void GeneratedTestNumbers_AreAllValidAndDistinct()
    {
        // The API tests build numbers as +1 212 2xx xxxx; make sure every one of them is a real, distinct US number.
        var numbers = Enumerable.Range(0, 100_000).Select(n => $"+1212{200 + n / 10_000 % 800:D3}{n % 10_000:D4}").ToList();
        Assert.All(numbers.Where((_, i) => i % 997 == 0), n => Assert.True(PhoneNumber.TryParse(n, out _, out _), n));
        Assert.Equal(numbers.Count, numbers.Distinct().Count());
    }
}
