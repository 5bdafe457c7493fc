Console.WriteLine("fededge");
