Console.WriteLine("DnS.NET quick start");
